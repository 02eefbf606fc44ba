package dev.layerkit.store.backup;

/**
 * What {@link Backup#restore} did.
 *
 * @param restored records inserted into the target
 * @param skipped records the target already held (by id), left as they were
 */
public record RestoreReport(long restored, long skipped) {}
