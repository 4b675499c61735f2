export { AlpacaFeed, type AlpacaFeedOptions } from './alpaca-feed.ts';
