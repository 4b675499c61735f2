/** Collision suffixes tried before a name is given up (`base-1000.md`). */
export const maxCollisions = 1_000;

/**
 * The journal file worker's program, plain JavaScript run with `eval` (CommonJS): a worker file
 * would be missing from the compiled CLI (one bundle) and untranslated under vitest and tsx. It
 * places each file atomically (fsynced for a live entry, see file-worker.ts; not for a
 * backtest's, see placer.ts): a temp file in the same folder ('wx'),
 * then a hard link under the first free name (`base.md`, `base-2.md`, ...; a link fails with
 * EEXIST instead of replacing), the temp unlinked; an existence check and rename where links are
 * unsupported. A reader sees no file or the whole file. Files are placed one at a time in the
 * order posted, so collision suffixes follow the order written. Folders made are remembered
 * (one `mkdir -p` a day); a folder removed meanwhile shows as ENOENT and is made again.
 * A backtest's files come in batches (one message, one wake-up of the worker, per batch); the
 * reply is `{ names }` (each placed file's name, in order), with `failed` beside them when a file
 * could not be placed (its name null, the rest of that batch not placed: the run fails anyway).
 * A live entry's file comes alone with a request number, and the reply names it, with the file's
 * name or why it failed (only that entry fails); files that arrived meanwhile are placed with it
 * and their folder fsynced once for all of them. A live entry posted with `sync: false` (a
 * decision's, flushed behind: see flush-behind.ts) is placed the same way without either fsync;
 * a flush request `{ request, files, dirs, pauseMs? }` fsyncs those files, then those folders, and
 * its reply names no file (`name: ''`) or why the flush failed. Flushes run one after another, a
 * few files at a time, and the files posted meanwhile are placed between two slices: a decision's
 * file never waits behind a flush of thousands. With `pauseMs`, the worker rests that long after
 * each slice, so the disk sees a trickle of writes, not a burst the cycles' commits queue behind.
 * With `workerData.renderer` (a module, and the TypeScript loader to register first, see
 * threadModule), a batch may carry an entry where it carries a file's text: the worker renders it
 * with the module's renderJournalMarkdown (a backtest's journal: rendering was a third of its
 * main thread, see placer.ts); messages wait until the module is loaded, and a module that
 * cannot be loaded fails every batch.
 */
export const placerProgram = `
const { parentPort, receiveMessageOnPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { randomBytes } = require('node:crypto');

const maxCollisions = workerData.maxCollisions;
let render = null;
let renderFailure = null;
let loading = null;
if (workerData.renderer) {
  const { loader, module } = workerData.renderer;
  loading = (loader ? import(loader).then((api) => api.register()) : Promise.resolve())
    .then(() => import(module))
    .then((loaded) => {
      render = loaded.renderJournalMarkdown;
    })
    .catch((error) => {
      renderFailure = error;
    });
}
const linkUnsupported = new Set(['EPERM', 'ENOTSUP', 'ENOSYS', 'EXDEV']);
// Temp names: this thread's random prefix, then a count (as atomic.ts names them): unique without
// a call into the random source for every file (a tenth of the thread's time placing a backtest's files).
const tempPrefix = randomBytes(6).toString('hex');
let tempCount = 0;
const madeFolders = new Set();

function candidateName(base, attempt) {
  return attempt <= 1 ? base + '.md' : base + '-' + attempt + '.md';
}

function writeTemp(dir, base, content, sync) {
  tempCount += 1;
  const temp = path.join(dir, '.' + base + '.md.' + process.pid + '.' + tempPrefix + '-' + tempCount.toString(36) + '.tmp');
  const fd = fs.openSync(temp, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, content, 'utf8');
    if (sync) fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.unlinkSync(temp);
    throw error;
  }
  fs.closeSync(fd);
  return temp;
}

function writeTempInFolder(dir, base, content, sync) {
  if (madeFolders.has(dir)) {
    try {
      return writeTemp(dir, base, content, sync);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
      madeFolders.delete(dir);
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  madeFolders.add(dir);
  return writeTemp(dir, base, content, sync);
}

// The new name must reach the disk too; some platforms cannot open or fsync a folder (the data is synced).
function syncDir(dir) {
  let fd;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (error) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EACCES'].includes(error.code)) throw error;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function place(dir, base, content, sync) {
  const temp = writeTempInFolder(dir, base, content, sync);
  let linked = true;
  try {
    for (let attempt = 1; attempt <= maxCollisions; attempt += 1) {
      const name = candidateName(base, attempt);
      const target = path.join(dir, name);
      if (linked) {
        try {
          fs.linkSync(temp, target);
          fs.unlinkSync(temp);
          return name;
        } catch (error) {
          if (error.code === 'EEXIST') continue;
          if (!linkUnsupported.has(error.code)) throw error;
          linked = false;
        }
      }
      if (fs.existsSync(target)) continue;
      fs.renameSync(temp, target);
      return name;
    }
    throw Object.assign(new Error('more than ' + maxCollisions + ' entries named ' + base), { code: 'EEXIST' });
  } catch (error) {
    try {
      fs.unlinkSync(temp);
    } catch {}
    throw error;
  }
}

function failure(dir, base, error) {
  return { target: path.join(dir, base + '.md'), message: String(error && error.message), code: error && error.code };
}

// Live files: this request and every one already waiting behind it (taken at once), each file
// fsynced unless posted with sync: false, then each folder of a synced file fsynced once for all
// of them; one reply a request. Flushes taken meanwhile join the flush queue (a flush names files
// placed before it was posted), and batches follow.
function placeLive(first) {
  const requests = [first];
  const flushRequests = [];
  const batches = [];
  for (let next = receiveMessageOnPort(parentPort); next; next = receiveMessageOnPort(parentPort)) {
    if (Array.isArray(next.message)) batches.push(next.message);
    else if (next.message.files) flushRequests.push(next.message);
    else requests.push(next.message);
  }
  const placed = [];
  for (const work of requests) {
    try {
      placed.push({ work, name: place(work.dir, work.base, work.content, work.sync !== false) });
    } catch (error) {
      parentPort.postMessage({ request: work.request, failed: failure(work.dir, work.base, error) });
    }
  }
  const folders = new Map();
  for (const { work, name } of placed) {
    if (work.sync !== false && !folders.has(work.dir)) {
      try {
        syncDir(work.dir);
        folders.set(work.dir, null);
      } catch (error) {
        folders.set(work.dir, error);
      }
    }
    const error = work.sync === false ? null : folders.get(work.dir);
    parentPort.postMessage(error ? { request: work.request, failed: failure(work.dir, work.base, error) } : { request: work.request, name });
  }
  for (const work of flushRequests) flushFiles(work);
  for (const batch of batches) placeBatch(batch);
}

// Files placed without fsync, made durable later: each file, then each folder; one reply. A file
// or folder gone meanwhile was removed on purpose (a crash's losses are the start-up repair's,
// before this process placed anything): there is nothing left to flush, and no failure to retry.
// Why slices: each fsync of a file new in its folder writes the folder's block and the inode's
// and flushes the disk's cache (ext4), ≈ 0.1 ms; a timed flush of ten seconds of a busy brain's
// decisions (thousands of files) held the thread, and the disk, for a tenth of a second or more.
const flushSlice = 8;
const flushQueue = [];

function flushFiles(work) {
  flushQueue.push({ work, next: 0 });
  if (flushQueue.length === 1) setImmediate(flushSome);
}

function unlessGone(run) {
  try {
    run();
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
}

function flushSome() {
  const head = flushQueue[0];
  const { work } = head;
  let target = work.dirs[0] || '(journal)';
  try {
    const end = Math.min(head.next + flushSlice, work.files.length);
    for (; head.next < end; head.next += 1) {
      const file = work.files[head.next];
      target = file;
      unlessGone(() => {
        const fd = fs.openSync(file, 'r');
        try {
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
      });
    }
    if (head.next < work.files.length) {
      // Between two slices the event loop delivers the files posted meanwhile (placed first).
      if (work.pauseMs > 0) setTimeout(flushSome, work.pauseMs);
      else setImmediate(flushSome);
      return;
    }
    for (const dir of work.dirs) {
      target = dir;
      unlessGone(() => syncDir(dir));
    }
    parentPort.postMessage({ request: work.request, name: '' });
  } catch (error) {
    parentPort.postMessage({ request: work.request, failed: { target, message: String(error && error.message), code: error && error.code } });
  }
  flushQueue.shift();
  if (flushQueue.length > 0) setImmediate(flushSome);
}

// A batch: [dir, base, content, dir, base, content, ...], placed in order without fsync; one reply
// a batch. A content that is not text is an entry to render first (workerData.renderer).
function placeBatch(work) {
  const names = [];
  for (let at = 0; at < work.length; at += 3) {
    const dir = work[at];
    const base = work[at + 1];
    try {
      const content = work[at + 2];
      names.push(place(dir, base, typeof content === 'string' ? content : rendered(content), false));
    } catch (error) {
      names.push(null);
      parentPort.postMessage({ names, failed: failure(dir, base, error) });
      return;
    }
  }
  parentPort.postMessage({ names });
}

function rendered(entry) {
  if (renderFailure) throw Object.assign(new Error('the journal renderer could not be loaded: ' + String(renderFailure && renderFailure.message)), { code: renderFailure && renderFailure.code });
  return render(entry);
}

// One live file: { request, dir, base, content, sync? }, the reply naming the request; a flush
// request; or a batch. While the renderer loads, messages wait in their order.
function handle(work) {
  if (Array.isArray(work)) placeBatch(work);
  else if (work.files) flushFiles(work);
  else placeLive(work);
}
function afterLoading(step) {
  const mine = loading.then(step);
  loading = mine;
  mine.then(() => {
    if (loading === mine) loading = null;
  });
}
parentPort.on('message', (work) => {
  if (loading) afterLoading(() => handle(work));
  else handle(work);
});
if (loading) afterLoading(() => {});
`;
