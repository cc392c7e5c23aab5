package io.sirocco.engine.model;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvCacheTest {
    @Test
    void blocksComeFromOneBoundedPoolAndReturnToIt() {
        KvCache kv = new KvCache(2, 8, 100); // 7 blocks of 16
        assertEquals(7, kv.totalBlocks());
        KvCache.BlockTable a = kv.allocate(KvCache.blocksFor(40));
        assertNotNull(a);
        assertEquals(48, a.capacity());
        KvCache.BlockTable b = kv.allocate(4);
        assertNotNull(b);
        assertNull(kv.allocate(1), "pool exhausted: admission must wait, not grow");
        Set<Integer> slots = new HashSet<>();
        for (int p = 0; p < a.capacity(); p++) {
            assertTrue(slots.add(a.slot(p)));
        }
        for (int p = 0; p < b.capacity(); p++) {
            assertTrue(slots.add(b.slot(p)), "tables never share a slot");
        }
        kv.release(a);
        kv.release(a); // idempotent
        assertEquals(3, kv.freeBlocks());
        kv.release(b);
        assertEquals(7, kv.freeBlocks());
    }
}
