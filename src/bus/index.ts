export { Bus, type BusOptions, type ParkedMessage, type ReplayFilter, type Subscription } from './bus.ts';
export type { ConsumerOptions, ConsumerStats, MessageHandler } from './consumer.ts';
export {
  type BusMessage,
  type BusMessageJson,
  type BusPosition,
  envelopeVersion,
  type MessageInput,
  messageInputSchema,
  messageToJson,
  type Signature,
  signatureSchema,
  topicSchema,
} from './envelope.ts';
export { comparePositions } from './position.ts';
export {
  type PublishOptions,
  publishManyIdsWith,
  publishManyWith,
  publishWith,
  validateMessage,
} from './publish.ts';
export { busChannel } from './sql.ts';
