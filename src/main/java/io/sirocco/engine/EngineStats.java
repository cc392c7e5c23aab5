package io.sirocco.engine;

/**
 * A snapshot of an engine's load.
 *
 * @param runningSequences sequences in the batch now
 * @param waitingSequences sequences submitted but not yet started
 * @param kvBlocksUsed     KV-cache blocks in use
 * @param kvBlocksTotal    KV-cache blocks in the pool
 * @param expertTokenCounts per-expert routed token counts since load, flattened [layer * experts + e]; empty if dense
 */
public record EngineStats(int runningSequences, int waitingSequences, int kvBlocksUsed, int kvBlocksTotal,
                          long[] expertTokenCounts) {
}
