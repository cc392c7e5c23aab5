package io.sirocco.engine.runtime;

import io.sirocco.engine.Generation;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.TokenListener;
import io.sirocco.engine.TokenLogprobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A background generation: one attempt at a time in the scheduler's background queue. When live work preempts an
 * attempt, a fresh one starts over at the head of that queue. The listener sees only the attempt that finishes:
 * its tokens are recorded and handed over, in order, when it ends.
 */
final class BackgroundGeneration implements Generation {
    private final Scheduler scheduler;
    private final Function<TokenListener, Sequence> attempts;
    private final TokenListener listener;
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private volatile Sequence current;
    private volatile boolean cancelled;
    private volatile int preemptions;

    BackgroundGeneration(Scheduler scheduler, TokenListener listener, Function<TokenListener, Sequence> attempts) {
        this.scheduler = scheduler;
        this.listener = listener == null ? (id, delta) -> { } : listener;
        this.attempts = attempts;
    }

    void start() {
        submit(false);
    }

    private void submit(boolean first) {
        Recorder recorder = listener instanceof TokenLogprobs.Listener lp ? new LogprobRecorder(lp) : new Recorder();
        Sequence s = attempts.apply(recorder);
        s.background = true;
        current = s;
        s.result().whenComplete((r, e) -> {
            if (s.preempted && !cancelled) {
                preemptions++;
                submit(true);
                return;
            }
            recorder.replay(listener);
            result.complete(r);
        });
        scheduler.submit(s, first);
        if (cancelled) {
            s.cancel();
        }
    }

    /** How often live work preempted it (tests). */
    int preemptions() {
        return preemptions;
    }

    @Override
    public void cancel() {
        cancelled = true;
        Sequence s = current;
        if (s != null) {
            s.cancel();
        }
    }

    @Override
    public CompletableFuture<GenerationResult> result() {
        return result;
    }

    /** Records an attempt's tokens, to hand over once it finishes. */
    private static class Recorder implements TokenListener {
        final List<Object> events = new ArrayList<>();

        record Token(int id, String delta) {
        }

        @Override
        public void onToken(int tokenId, String textDelta) {
            events.add(new Token(tokenId, textDelta));
        }

        void replay(TokenListener to) {
            for (Object e : events) {
                if (e instanceof Token t) {
                    to.onToken(t.id(), t.delta());
                } else if (to instanceof TokenLogprobs.Listener lp) {
                    lp.onLogprobs((TokenLogprobs) e);
                }
            }
        }
    }

    /** A recorder that also asks for, and records, log-probabilities. */
    private static final class LogprobRecorder extends Recorder implements TokenLogprobs.Listener {
        private final int top;

        LogprobRecorder(TokenLogprobs.Listener wanted) {
            this.top = wanted.topLogprobs();
        }

        @Override
        public int topLogprobs() {
            return top;
        }

        @Override
        public void onLogprobs(TokenLogprobs lp) {
            events.add(lp);
        }
    }
}
