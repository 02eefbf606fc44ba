package dev.layerkit.test.servers;

import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A value computed on first use, once, and then shared.
 *
 * <p>Thread-safe: concurrent first callers wait for one computation. A failure is remembered too,
 * so a JVM whose server cannot be had pays for the attempt once and every later test fails at once
 * with the same message instead of repeating a slow start.
 *
 * @param <T> the value's type
 */
final class Lazy<T> {

  private final Supplier<T> supplier;
  private final Object lock = new Object();
  private volatile @Nullable T value;
  private volatile @Nullable RuntimeException failure;

  /**
   * Creates a lazy value.
   *
   * @param supplier computes the value; called at most once
   * @throws NullPointerException if {@code supplier} is null
   */
  Lazy(Supplier<T> supplier) {
    this.supplier = Objects.requireNonNull(supplier, "supplier");
  }

  /**
   * Returns the value, computing it on the first call.
   *
   * @return the value
   * @throws IllegalStateException if the computation failed, now or on an earlier call; it carries
   *     the original message, and the original exception as its cause
   */
  T get() {
    T result = value;
    if (result != null) {
      return result;
    }
    synchronized (lock) {
      result = value;
      if (result == null && failure == null) {
        try {
          result = Objects.requireNonNull(supplier.get(), "supplier returned null");
          value = result;
        } catch (RuntimeException e) {
          failure = e;
        }
      }
    }
    if (result != null) {
      return result;
    }
    RuntimeException original = Objects.requireNonNull(failure);
    // A fresh exception per caller, so each failing test shows its own stack; the message stays the
    // one that says what was tried.
    throw new IllegalStateException(original.getMessage(), original);
  }
}
