package dev.layerkit.store.backup;

import dev.layerkit.store.StoreException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link Backup#verify} and {@link Backup#restore} when a backup does not match its
 * manifest: a file is missing, its SHA-256 or line count differs, or it is not valid gzip NDJSON.
 * The message names the file and what differs. A restore that throws this has written nothing.
 */
public final class BackupCorruptedException extends StoreException {

  private static final long serialVersionUID = 1L;

  private final String file;

  private BackupCorruptedException(String file, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.file = file;
  }

  /**
   * Creates the exception.
   *
   * @param file the file that is wrong
   * @param what what is wrong with it
   * @param cause the underlying error, or null
   * @return the exception
   */
  public static BackupCorruptedException of(Path file, String what, @Nullable Throwable cause) {
    return new BackupCorruptedException(file.toString(), "backup file " + file + " is corrupted: " + what, cause);
  }

  /**
   * Returns the path of the file that is wrong.
   *
   * @return the path, as text
   */
  public String file() {
    return file;
  }
}
