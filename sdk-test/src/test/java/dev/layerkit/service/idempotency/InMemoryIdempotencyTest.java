package dev.layerkit.service.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.test.service.IdempotencyStoreContract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The contract on the in-memory store, and what is the same on every store: builder, keys, meters. */
class InMemoryIdempotencyTest extends IdempotencyStoreContract {

  @Override
  protected IdempotencyKeyStore newStore() {
    return IdempotencyKeyStores.inMemory().name("test").build();
  }

  @Test
  void expiredKeysAreSweptSoMemoryHoldsAboutOneTtlOfKeys() {
    InMemoryIdempotencyKeyStore memory = (InMemoryIdempotencyKeyStore) store;
    for (int i = 0; i < 100; i++) {
      idempotency.execute("old-" + i, RequestFingerprint.of("POST", "/", new byte[0]), () -> created(1));
    }
    time.advance(TTL);
    for (int i = 0; i < InMemoryIdempotencyKeyStore.SWEEP_EVERY; i++) {
      memory.claim("new-" + (i % 10), RequestFingerprint.of("POST", "/", new byte[0]), "t" + i, time.epochMillis(), 1000);
    }

    assertThat(memory.size()).isLessThanOrEqualTo(10);
  }

  @Test
  void blankOrOverlongKeyIsRejectedBeforeTheStoreIsTouched() {
    RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/", new byte[0]);

    assertThatThrownBy(() -> idempotency.execute(" ", fingerprint, () -> created(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("key must not be blank but was ' '");
    assertThatThrownBy(() -> idempotency.execute("x".repeat(256), fingerprint, () -> created(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("key must be at most 255 characters but was 256");
    assertThat(idempotency.execute("x".repeat(255), fingerprint, () -> created(1)))
        .isInstanceOf(IdempotencyOutcome.Executed.class);
  }

  @Test
  void actionReturningNullReleasesTheKey() {
    RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/", new byte[0]);

    assertThatThrownBy(() -> idempotency.execute("null", fingerprint, () -> null))
        .isInstanceOf(NullPointerException.class).hasMessage("action returned null");
    assertThat(idempotency.execute("null", fingerprint, () -> created(1))).isInstanceOf(IdempotencyOutcome.Executed.class);
  }

  @Test
  void countsEachOutcomeTaggedWithTheName() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Idempotency measured = Idempotency.builder(store).name("orders").meterRegistry(registry).timeSource(time).build();
    RequestFingerprint a = RequestFingerprint.of("POST", "/", utf8("a"));
    RequestFingerprint b = RequestFingerprint.of("POST", "/", utf8("b"));

    measured.execute("m", a, () -> created(1));
    measured.execute("m", a, () -> created(1));
    measured.execute("m", b, () -> created(1));
    assertThatThrownBy(() -> measured.execute("f", a, () -> {
      throw new IllegalStateException();
    }));

    assertThat(count(registry, "executed")).isEqualTo(1);
    assertThat(count(registry, "replayed")).isEqualTo(1);
    assertThat(count(registry, "key_reused")).isEqualTo(1);
    assertThat(count(registry, "failed")).isEqualTo(1);
    assertThat(count(registry, "in_flight")).isZero();
  }

  @Test
  void usingAnotherStoreKeepsTheSettings() {
    IdempotencyKeyStore other = IdempotencyKeyStores.inMemory().build();
    Idempotency onOther = idempotency.using(other);
    RequestFingerprint fingerprint = RequestFingerprint.of("POST", "/", new byte[0]);
    onOther.execute("u", fingerprint, () -> created(1));

    time.advance(TTL);

    assertThat(onOther.name()).isEqualTo("contract");
    assertThat(onOther.execute("u", fingerprint, () -> created(2))).isInstanceOf(IdempotencyOutcome.Executed.class);
    assertThat(idempotency.execute("u", fingerprint, () -> created(3))).isInstanceOf(IdempotencyOutcome.Executed.class);
  }

  @Test
  void builderRejectsBadAndRepeatedSettingsNamingThem() {
    Idempotency.Builder builder = Idempotency.builder(store).ttl(Duration.ofMinutes(5));

    assertThatThrownBy(() -> builder.ttl(Duration.ofMinutes(6)))
        .isInstanceOf(IllegalStateException.class).hasMessage("ttl was already set to PT5M");
    assertThatThrownBy(() -> builder.inFlightTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("inFlightTimeout must be >= 1ms but was PT0S");
    assertThatThrownBy(() -> builder.name(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Idempotency.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("store");
  }

  @Test
  void fingerprintSeparatesMethodPathAndBody() {
    assertThat(RequestFingerprint.of("post", "/a", utf8("b")))
        .isEqualTo(RequestFingerprint.of("POST", "/a", utf8("b")))
        .isNotEqualTo(RequestFingerprint.of("POST", "/ab", new byte[0]))
        .isNotEqualTo(RequestFingerprint.of("PUT", "/a", utf8("b")));
    assertThat(RequestFingerprint.of("POST", "/a", utf8("b")).sha256()).hasSize(64);
    assertThatThrownBy(() -> new RequestFingerprint("xyz")).isInstanceOf(IllegalArgumentException.class);
  }

  private static double count(SimpleMeterRegistry registry, String outcome) {
    return registry.get("layerkit.idempotency.requests").tag("name", "orders").tag("outcome", outcome).counter().count();
  }
}
