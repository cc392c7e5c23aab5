package io.sirocco.accounts;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Per-IP sliding-window limit on waitlist signups (per node). */
@ApplicationScoped
public class SignupRateLimiter {
    private static final int MAX_TRACKED_IPS = 100_000;

    @ConfigProperty(name = "sirocco.accounts.waitlist.max-signups-per-ip", defaultValue = "10")
    int maxPerWindow;
    @ConfigProperty(name = "sirocco.accounts.waitlist.rate-window", defaultValue = "1h")
    Duration window;

    private final Map<String, Deque<Long>> attempts = new ConcurrentHashMap<>();

    /** True when this IP may sign up now; counts the attempt. */
    public boolean tryAcquire(String ip) {
        long now = System.nanoTime();
        if (attempts.size() > MAX_TRACKED_IPS) {
            attempts.clear();
        }
        Deque<Long> times = attempts.computeIfAbsent(ip == null ? "unknown" : ip, k -> new ArrayDeque<>());
        synchronized (times) {
            while (!times.isEmpty() && now - times.peekFirst() > window.toNanos()) {
                times.pollFirst();
            }
            if (times.size() >= maxPerWindow) {
                return false;
            }
            times.addLast(now);
            return true;
        }
    }

    public int maxPerWindow() {
        return maxPerWindow;
    }

    /** Forgets all attempts (tests use it to isolate cases). */
    public void reset() {
        attempts.clear();
    }
}
