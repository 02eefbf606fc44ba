/**
 * Verifiable backups of repositories: {@link dev.layerkit.store.backup.Backup} exports every
 * shard to gzip NDJSON with a manifest of counts and SHA-256 checksums, verifies a backup, and
 * restores it into any repository or shard topology.
 */
@NullMarked
package dev.layerkit.store.backup;

import org.jspecify.annotations.NullMarked;
