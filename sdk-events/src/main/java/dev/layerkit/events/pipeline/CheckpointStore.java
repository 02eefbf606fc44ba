package dev.layerkit.events.pipeline;

import java.util.Optional;

/**
 * Where an engine keeps a running job's checkpoint (how far the source was read, the open
 * windows, the counts), so that a job killed halfway resumes where it was and ends with exactly
 * the table of an uninterrupted run. Built by {@link CheckpointStores}.
 *
 * <p>The engine saves a checkpoint only after the windows closed before it are in the sink; the
 * windows it re-emits after a resume are upserted again, which changes nothing. A job that ends
 * deletes its checkpoint, so the next run starts from the beginning. Implementations are
 * thread-safe.
 */
public interface CheckpointStore {

  /**
   * Returns the last checkpoint of a pipeline.
   *
   * @param pipeline the pipeline's name
   * @return the checkpoint's bytes, or empty
   * @throws java.io.UncheckedIOException if it cannot be read
   */
  Optional<byte[]> load(String pipeline);

  /**
   * Replaces a pipeline's checkpoint, atomically: after a crash the store holds the old one or
   * the new one, whole.
   *
   * @param pipeline the pipeline's name
   * @param checkpoint the bytes
   * @throws java.io.UncheckedIOException if it cannot be written
   */
  void save(String pipeline, byte[] checkpoint);

  /**
   * Deletes a pipeline's checkpoint, if any.
   *
   * @param pipeline the pipeline's name
   * @throws java.io.UncheckedIOException if it cannot be deleted
   */
  void delete(String pipeline);
}
