/**
 * Bridges a queue to a queue of the same name on another host over Aeron UDP: {@link io.shmq.bridge.BridgeSender}
 * drains the local queue and keeps every message in its ring until the receiver acknowledges it;
 * {@link io.shmq.bridge.BridgeReceiver} writes each message once, in order, into its local queue, across restarts
 * of either side. {@link io.shmq.bridge.QueueBridge} runs either on a thread of its own.
 */
package io.shmq.bridge;
