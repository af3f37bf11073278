/**
 * What shmq needs from the JVM it runs in: the one JVM flag Agrona's unsafe access requires, checked once with a
 * message that names it, and the service loading through which queue-native's optional pieces are found.
 */
package io.shmq.platform;
