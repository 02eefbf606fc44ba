package dev.layerkit.events.pipeline;

import java.time.Duration;
import java.util.Objects;

/**
 * What a finished job did. Counts cover the whole job, including the part before a resume.
 *
 * @param pipeline the pipeline's name
 * @param recordsRead records read from the source
 * @param filtered records a filter dropped
 * @param deadLetters records sent to the dead letters (malformed, unmatched, or rejected by a
 *     transform)
 * @param lateDropped records too late for every window they belong to
 * @param windowsEmitted rows (one window and key each) written to the sink
 * @param resumedAt the records read before this run resumed, 0 if it started from the beginning
 * @param elapsed the time this run took (since its start or resume)
 */
public record PipelineReport(String pipeline, long recordsRead, long filtered, long deadLetters,
    long lateDropped, long windowsEmitted, long resumedAt, Duration elapsed) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if {@code pipeline} or {@code elapsed} is null
   */
  public PipelineReport {
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /**
   * Returns the records aggregated into some window.
   *
   * @return read, less filtered, dead letters and late
   */
  public long aggregated() {
    return recordsRead - filtered - deadLetters - lateDropped;
  }

  /**
   * Returns the report as lines for a person.
   *
   * @return the text
   */
  public String summary() {
    return "pipeline " + pipeline + (resumedAt > 0 ? " (resumed after " + resumedAt
        + " records)" : "") + ": read " + recordsRead + ", aggregated " + aggregated()
        + ", filtered " + filtered + ", dead letters " + deadLetters + ", late " + lateDropped
        + ", rows written " + windowsEmitted + " in " + elapsed.toMillis() + " ms";
  }
}
