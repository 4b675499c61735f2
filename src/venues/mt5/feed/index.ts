export { Mt5Feed, type Mt5FeedOptions } from './mt5-feed.ts';
