export { type CandidateNews, newsForCandidate, newsIdsProblems, noNews } from './candidate.ts';
export { FileNewsFeed, newsRowSchema, parseNewsText } from './file-feed.ts';
export {
  type Headline,
  type HeadlineShown,
  headlineNote,
  headlineShown,
  headlineShownSchema,
  NewsError,
  type NewsFeed,
  type NewsQuery,
  visibleAt,
} from './headline.ts';
