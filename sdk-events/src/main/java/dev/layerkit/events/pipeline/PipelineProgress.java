package dev.layerkit.events.pipeline;

/**
 * How far a running job is, as given to the engine's progress callback. Counts include the work
 * done before a resume.
 *
 * @param pipeline the pipeline's name
 * @param recordsRead records read from the source
 * @param windowsEmitted rows (one window and key each) handed to the sink
 * @param deadLetters records sent to the dead letters
 * @param lateDropped records too late for every window they belong to
 * @param remaining records left to read (the lag), or -1 if the source cannot tell
 */
public record PipelineProgress(String pipeline, long recordsRead, long windowsEmitted,
    long deadLetters, long lateDropped, long remaining) {

  /**
   * Returns the fraction read, or -1 if the source cannot tell how much remains.
   *
   * @return a fraction in {@code [0, 1]}, or -1
   */
  public double fractionDone() {
    if (remaining < 0) {
      return -1;
    }
    long total = recordsRead + remaining;
    return total == 0 ? 1.0 : (double) recordsRead / total;
  }
}
