import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is built into web/dist and served by the brain's ingress; no CDN, no remote assets.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
  },
});
