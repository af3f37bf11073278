package io.shmq.wait;

/**
 * What a sleeper waits for, re-checked after it announced itself: "a message is committed", "there is room".
 */
@FunctionalInterface
public interface WaitCondition
{
    /**
     * Whether the sleeper can stop waiting.
     *
     * @return true when the condition holds.
     */
    boolean isSatisfied();
}
