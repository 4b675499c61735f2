export { AlpacaFeed, type AlpacaFeedOptions, createAlpacaFeed } from './alpaca-feed.ts';
export { AlpacaNewsFeed, alpacaNewsPageMax, createAlpacaNewsFeed, headlineFromAlpaca } from './news.ts';
export {
  AlpacaNewsStream,
  type AlpacaNewsStreamOptions,
  alpacaNewsStreamUrl,
  createAlpacaNewsStream,
} from './news-stream.ts';
