package dev.layerkit.events.pipeline;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A record a pipeline could not process: it could not be decoded, had no event time, found no
 * match in a joined table, or a transform threw on it. The job goes on without it and its report
 * counts it.
 *
 * @param source the source's name
 * @param position where the record is, as {@code partition@offset}
 * @param stage what rejected it: {@code decode}, {@code timestamp}, or the name of the transform
 * @param reason why, for a person
 * @param bytes the record's encoded payload if it came as bytes, else null
 */
public record DeadLetter(String source, String position, String stage, String reason,
    byte @Nullable [] bytes) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component other than {@code bytes} is null
   */
  public DeadLetter {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(position, "position");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(reason, "reason");
  }

  @Override
  public String toString() {
    return "DeadLetter{" + source + ' ' + position + " at " + stage + ": " + reason + '}';
  }
}
