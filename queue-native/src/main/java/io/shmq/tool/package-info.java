/**
 * The {@code shmq} command-line tool: list queues and segments, show one (once or watching), remove one, and find
 * and remove queues whose creators died.
 */
package io.shmq.tool;
