package dev.layerkit.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The ring's reused slots under a reader that races the publisher rewriting them. */
class MemPartitionTest {

  /**
   * A reader that asks for the oldest retained records of a two-slot ring meets slots while the
   * publisher rewrites them for the next lap. Each read must be refused or give one whole record:
   * key, event time, headers and value of the same offset.
   */
  @Test
  void aSlotReadWhileThePublisherRewritesItIsEitherWholeOrRefused() throws Exception {
    MemTopic topic = new MemTopic("t", 1, 2);
    MemPartition partition = topic.partition(0);
    int distinct = 64;
    String[] keys = new String[distinct];
    byte[][] values = new byte[distinct][];
    @SuppressWarnings("unchecked")
    Map<String, String>[] headers = new Map[distinct];
    for (int i = 0; i < distinct; i++) {
      keys[i] = "k" + i;
      values[i] = new byte[] {(byte) i};
      headers[i] = Map.of("n", Integer.toString(i));
    }
    AtomicBoolean writing = new AtomicBoolean(true);
    Thread writer = new Thread(() -> {
      long offset = 0;
      try {
        while (writing.get()) {
          int n = (int) (offset % distinct);
          partition.append(keys[n], offset, headers[n], values[n], 0);
          offset++;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "ring-writer");
    writer.start();
    MemRecord record = new MemRecord("t");
    long reads = 0;
    long whole = 0;
    AtomicLong torn = new AtomicLong();
    String firstTorn = null;
    try {
      while (whole < 2_000_000 && reads < 200_000_000L) {
        long end = partition.endOffset();
        for (long offset = Math.max(0, end - 3); offset < end; offset++) {
          reads++;
          if (!partition.read(offset, record)) {
            continue;
          }
          whole++;
          int n = (int) (record.offset() % distinct);
          if (record.offset() != offset || record.timestampMillis() != offset
              || !record.key().equals(keys[n]) || record.value() != values[n]
              || record.headers() != headers[n]) {
            torn.incrementAndGet();
            if (firstTorn == null) {
              firstTorn = "asked " + offset + ", got offset " + record.offset() + " time "
                  + record.timestampMillis() + " key " + record.key() + " header "
                  + record.headers();
            }
          }
        }
      }
    } finally {
      writing.set(false);
      writer.join();
    }
    assertThat(torn.get()).as("torn reads in %d reads, %d whole; first: %s", reads, whole,
        firstTorn).isZero();
    assertThat(whole).isPositive();
  }
}
