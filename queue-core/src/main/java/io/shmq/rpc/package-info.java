/**
 * Request and response over a channel: correlation ids, replies written in place, and a client that matches each
 * response to its request.
 */
package io.shmq.rpc;
