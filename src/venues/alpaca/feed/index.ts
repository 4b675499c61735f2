export { AlpacaFeed, type AlpacaFeedOptions, createAlpacaFeed } from './alpaca-feed.ts';
