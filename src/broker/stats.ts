/** Counters for $SYS topics and metrics. Plain numbers: incremented on hot paths. */
export class BrokerStats {
  /** performance.now() at start (uptime must not jump with the wall clock). */
  readonly startedAt = performance.now();
  bytesReceived = 0;
  bytesSent = 0;
  messagesReceived = 0;
  messagesSent = 0;
  publishReceived = 0;
  publishSent = 0;
  publishDropped = 0;
  /** PUBLISH packets received from clients, by QoS (index 0..2). */
  readonly publishReceivedByQos = [0, 0, 0];
  /** PUBLISH packets sent to clients (first sends and resends), by QoS (index 0..2). */
  readonly publishSentByQos = [0, 0, 0];
  clientsConnected = 0;
  clientsMaximum = 0;
  connectionsTotal = 0;
  /** Messages dropped because a client's queue or buffer was full, or it expired. */
  droppedQueueFull = 0;
  droppedExpired = 0;
  droppedTooLarge = 0;
  /** QoS 0 messages dropped because the client's outbound buffer was over mqtt.max_outbound_buffer. */
  droppedSlowConsumer = 0;
  /** Clients disconnected for an outbound buffer over the limit (mqtt.slow_consumer_policy). */
  slowConsumerDisconnects = 0;
  /** accept() failures on the listeners (EMFILE/ENFILE: file descriptor limit reached). */
  acceptErrors = 0;
  /** Messages not stored for a persistent session because persistence.max_store_bytes was reached. */
  droppedStoreFull = 0;
  /** Queued or in-flight messages dropped at send time because the ACL (reloaded) no longer lets the client read them. */
  droppedNotAuthorized = 0;
  /** Store commits that failed (disk full, I/O error); the publisher got no success ack. */
  storeErrors = 0;
}
