package dev.layerkit.service.saga;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a saga ended up when {@link Saga#run} or a resume returned: its status, the outputs of
 * its completed steps, and the failure that made it compensate.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the saga's id
 * @param status its status: final, unless the call returned because another instance holds it
 * @param outputs the outputs steps returned, by step name
 * @param failure the step failure that started compensation (or the compensation failure that
 *     stopped it), or null
 */
public record SagaResult(String id, SagaStatus status, Map<String, String> outputs, @Nullable String failure) {

  /**
   * Checks and copies the parts.
   *
   * @param id the id
   * @param status the status
   * @param outputs the outputs
   * @param failure the failure
   * @throws NullPointerException if {@code id}, {@code status} or {@code outputs} is null
   */
  public SagaResult {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    outputs = Map.copyOf(outputs);
  }

  /**
   * Returns whether every step completed.
   *
   * @return whether the status is {@link SagaStatus#COMPLETED}
   */
  public boolean isCompleted() {
    return status == SagaStatus.COMPLETED;
  }

  static SagaResult of(SagaRecord record) {
    return new SagaResult(record.id(), record.status(), record.outputs(), record.failure());
  }
}
