package io.sirocco.engine.runtime;

import io.sirocco.engine.FinishReason;
import io.sirocco.engine.model.Batch;
import io.sirocco.engine.model.KvCache;
import io.sirocco.engine.model.ModelConfig;
import io.sirocco.engine.model.Transformer;
import io.sirocco.engine.tokenizer.Tokenizer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching on one thread. Each step: drop cancelled sequences (freeing their KV blocks),
 * admit waiting ones FIFO while fewer than {@code maxSequences} run and the pool has their blocks,
 * then run one forward pass holding one decode token per decoding sequence plus prefill chunks,
 * under a token budget. A sequence paused by its reader keeps its blocks but sits out the decode steps.
 * Background (batch) sequences fill what live work leaves: they are admitted only while no live sequence waits,
 * preempted when a live one needs the room, and a step that carries live work takes at most
 * {@code backgroundPerStep} of them, in turns, so batch work never makes a live step much longer.
 */
final class Scheduler implements Runnable {
    /** Tokens per forward step (decode tokens plus prefill chunks). */
    static final int STEP_TOKENS = 512;

    private final Transformer transformer;
    private final KvCache kv;
    private final Tokenizer tokenizer;
    private final int maxSequences;
    /** Most background sequences in a step with live work (0 = no cap). */
    private final int backgroundPerStep;
    /** Where the next capped step starts taking background sequences, so each gets its turn. */
    private int backgroundTurn;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    /** Background sequences: admitted only while no live one waits. */
    private final ArrayDeque<Sequence> waitingBackground = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private volatile int runningCount;
    private volatile boolean closed;

    Scheduler(Transformer transformer, KvCache kv, Tokenizer tokenizer, int maxSequences, int backgroundPerStep) {
        this.transformer = transformer;
        this.kv = kv;
        this.tokenizer = tokenizer;
        this.maxSequences = Math.max(1, maxSequences);
        this.backgroundPerStep = Math.max(0, backgroundPerStep);
    }

    void submit(Sequence s) {
        submit(s, false);
    }

    /** Queues a sequence; a background one {@code first} (started over after preemption) goes ahead of the others. */
    void submit(Sequence s, boolean first) {
        lock.lock();
        try {
            if (closed) {
                s.finish(FinishReason.CANCELLED, null);
                return;
            }
            s.wake = this::wake;
            if (!s.background) {
                waiting.add(s);
            } else if (first) {
                waitingBackground.addFirst(s);
            } else {
                waitingBackground.add(s);
            }
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    private void wake() {
        lock.lock();
        try {
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    int waitingCount() {
        lock.lock();
        try {
            return waiting.size() + waitingBackground.size();
        } finally {
            lock.unlock();
        }
    }

    int runningCount() {
        return runningCount;
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void run() {
        try {
            while (awaitWork()) {
                try {
                    step();
                } catch (RuntimeException | Error e) {
                    // a bug must not kill the scheduler and leave futures hanging: fail the batch, go on
                    running.forEach(s -> end(s, FinishReason.ERROR, e));
                    running.clear();
                    runningCount = 0;
                }
            }
        } finally {
            lock.lock();
            try {
                waiting.forEach(s -> s.finish(FinishReason.CANCELLED, null));
                waiting.clear();
                List<Sequence> background = List.copyOf(waitingBackground);
                waitingBackground.clear();
                background.forEach(s -> s.finish(FinishReason.CANCELLED, null));
            } finally {
                lock.unlock();
            }
            running.forEach(s -> end(s, FinishReason.CANCELLED, null));
            running.clear();
            runningCount = 0;
        }
    }

    /** Admits what fits; blocks while there is nothing to run. False once closed. */
    private boolean awaitWork() {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    return false;
                }
                running.removeIf(s -> s.isCancelled() && end(s, FinishReason.CANCELLED, null));
                dropCancelled(waiting);
                dropCancelled(waitingBackground);
                admit(waiting, true);
                if (waiting.isEmpty()) {
                    admit(waitingBackground, false);
                }
                runningCount = running.size();
                if (running.stream().anyMatch(Sequence::runnable)) {
                    return true; // sequences all paused by their readers wait like an empty batch
                }
                work.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    private static void dropCancelled(ArrayDeque<Sequence> queue) {
        for (Iterator<Sequence> it = queue.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.isCancelled()) {
                it.remove();
                s.finish(FinishReason.CANCELLED, null);
            }
        }
    }

    /**
     * Admits a queue's sequences FIFO (no overtaking) while fewer than {@code maxSequences} run and the pool has their
     * blocks. Live sequences ({@code preempt}) make room by preempting running background generations, so a live
     * request waits behind background work for at most the step that is running.
     */
    private void admit(ArrayDeque<Sequence> queue, boolean preempt) {
        while (!queue.isEmpty()) {
            Sequence next = queue.peek();
            KvCache.BlockTable table = running.size() < maxSequences
                    ? kv.admit(next.isEmbedding() ? new int[0] : next.prompt, next.reserve) : null;
            if (table == null) {
                if (preempt && preemptOne()) {
                    continue;
                }
                return; // wait for a slot or blocks
            }
            queue.poll().start(table);
            running.add(next);
        }
    }

    /** Ends the most recently admitted background generation to make room; false when none runs. */
    private boolean preemptOne() {
        for (int i = running.size() - 1; i >= 0; i--) {
            Sequence s = running.get(i);
            if (s.background && !s.isEmbedding()) {
                running.remove(i);
                s.preempted = true;
                end(s, FinishReason.CANCELLED, null); // its owner starts it over (BackgroundGeneration)
                return true;
            }
        }
        return false;
    }

    /** Frees a sequence's blocks, then completes it (so a finished result never still holds blocks). */
    private boolean end(Sequence s, FinishReason reason, Throwable error) {
        kv.release(s.table);
        s.finish(reason, error);
        return true;
    }

    private void step() {
        Batch batch = new Batch(STEP_TOKENS + running.size());
        int budget = STEP_TOKENS;
        List<Sequence> members = new ArrayList<>();
        List<int[]> spans = new ArrayList<>(); // per member: first batch index, token count
        Set<Sequence> takenBackground = backgroundThisStep();
        for (Sequence s : running) {
            if (!s.prefilling() && s.nextToken >= 0 && s.runnable() && joins(s, takenBackground)) {
                s.history[s.processed] = s.nextToken;
                spans.add(new int[]{batch.add(s.nextToken, s.processed, s.table, true, false), 1});
                members.add(s);
                budget--;
            }
        }
        for (Sequence s : running) {
            if (s.prefilling() && budget > 0 && joins(s, takenBackground)) {
                int n = Math.min(budget, s.prompt.length - s.processed);
                boolean last = s.processed + n == s.prompt.length;
                int first = -1;
                for (int i = 0; i < n; i++) {
                    int pos = s.processed + i;
                    boolean hidden = s.isEmbedding() && wantsHidden(s, pos);
                    int idx = batch.add(s.prompt[pos], pos, s.table, !s.isEmbedding() && last && i == n - 1, hidden);
                    first = first < 0 ? idx : first;
                }
                spans.add(new int[]{first, n});
                members.add(s);
                budget -= n;
            }
        }
        if (members.isEmpty()) {
            return; // everything was paused since the batch was formed
        }
        Transformer.Output out;
        try {
            out = transformer.forward(batch);
        } catch (RuntimeException | Error e) {
            for (Sequence s : members) {
                end(s, FinishReason.ERROR, e);
                running.remove(s);
            }
            runningCount = running.size();
            return;
        }
        for (int m = 0; m < members.size(); m++) {
            Sequence s = members.get(m);
            int[] span = spans.get(m);
            s.processed += span[1];
            kv.commit(s.table, s.history, s.processed);
            FinishReason reason;
            Throwable error = null;
            try {
                reason = s.isEmbedding() ? pool(s, out, span) : sample(s, out, span[0] + span[1] - 1);
            } catch (RuntimeException e) {
                reason = FinishReason.ERROR;
                error = e;
            }
            if (reason == null && s.isCancelled()) {
                reason = FinishReason.CANCELLED;
            }
            if (reason != null) {
                end(s, reason, error);
                running.remove(s);
            }
        }
        runningCount = running.size();
    }

    /**
     * The background sequences this step takes when it also carries live work and more background sequences want
     * to run than {@code backgroundPerStep}: the next ones in turn. Null when every runnable sequence may join.
     */
    private Set<Sequence> backgroundThisStep() {
        if (backgroundPerStep == 0) {
            return null;
        }
        List<Sequence> background = new ArrayList<>();
        boolean live = false;
        for (Sequence s : running) {
            if (s.runnable() && (s.prefilling() || s.nextToken >= 0)) {
                if (s.background) {
                    background.add(s);
                } else {
                    live = true;
                }
            }
        }
        if (!live || background.size() <= backgroundPerStep) {
            return null;
        }
        Set<Sequence> taken = Collections.newSetFromMap(new IdentityHashMap<>());
        int start = backgroundTurn % background.size();
        for (int i = 0; i < backgroundPerStep; i++) {
            taken.add(background.get((start + i) % background.size()));
        }
        backgroundTurn = start + backgroundPerStep;
        return taken;
    }

    private static boolean joins(Sequence s, Set<Sequence> taken) {
        return taken == null || !s.background || taken.contains(s);
    }

    private FinishReason sample(Sequence s, Transformer.Output out, int lastIndex) {
        int row = out.logitsRow(lastIndex);
        if (row < 0) {
            return null; // prompt not complete yet
        }
        int vocab = transformer.vocab();
        return s.accept(out.logits(), row * vocab, vocab, tokenizer.vocabulary().eos, tokenizer);
    }

    private static boolean wantsHidden(Sequence s, int pos) {
        return switch (s.pooling) {
            case ModelConfig.POOL_LAST -> pos == s.prompt.length - 1;
            case ModelConfig.POOL_CLS -> pos == 0;
            default -> true;
        };
    }

    /** Accumulates pooled hidden states; when the input is done, L2-normalises them (STOP = ready). */
    private FinishReason pool(Sequence s, Transformer.Output out, int[] span) {
        int dim = transformer.config().nEmbd();
        if (s.pooled == null) {
            s.pooled = new float[dim];
        }
        for (int i = span[0]; i < span[0] + span[1]; i++) {
            int row = out.hiddenRows()[i];
            if (row >= 0) {
                for (int d = 0; d < dim; d++) {
                    s.pooled[d] += out.hidden()[row * dim + d];
                }
            }
        }
        if (s.prefilling()) {
            return null;
        }
        double norm = 0;
        for (float v : s.pooled) {
            norm += (double) v * v;
        }
        float inv = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0f;
        for (int d = 0; d < dim; d++) {
            s.pooled[d] *= inv; // the mean's 1/count cancels in the normalisation
        }
        return FinishReason.STOP;
    }
}
