/**
 * A service and its sidecar, each its own JVM, exchanging quote requests and responses over a shmq channel, then
 * over a Unix domain socket for comparison; every response is checked against its request.
 */
package io.shmq.examples.sidecar;
