export { CauseNotWrittenError, type SentMessage } from './batcher.ts';
export {
  Bus,
  type BusOptions,
  type ParkedMessage,
  type PublishWithWritesOptions,
  type ReplayFilter,
  type Subscription,
} from './bus.ts';
export type { ConsumerOptions, ConsumerStats, MessageHandler } from './consumer.ts';
export { type CopyConnection, copyMessages, type NumberedMessage } from './copy-log.ts';
export { CycleBuffer, type CycleBufferOptions } from './cycle-buffer.ts';
export { drawIds } from './draw-ids.ts';
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
export { fastSignatures } from './fast-validate.ts';
export { isJsonRecord, isPlainRecord } from './plain-json.ts';
export { comparePositions } from './position.ts';
export {
  type PublishOptions,
  publishManyIdsWith,
  publishManyWith,
  publishWith,
  validateMessage,
} from './publish.ts';
export { busChannel } from './sql.ts';
export {
  agentOutcomePayload,
  currentForm,
  isTopicName,
  legacyTopics,
  type OrderFilledPayload,
  orderFilledPayload,
  type PositionClosedPayload,
  payloadSchemas,
  positionClosedPayload,
  readPayload,
  type ShadowDecisionPayload,
  shadowDecisionPayload,
  TopicCatalog,
  type TopicKey,
  type TopicName,
  topicCatalog,
  topics,
  withLegacyNames,
} from './topics.ts';
