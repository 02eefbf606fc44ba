package dev.layerkit.events.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/** Factory of {@link CheckpointStore}s. */
public final class CheckpointStores {

  private static final CheckpointStore NONE = new CheckpointStore() {
    @Override
    public Optional<byte[]> load(String pipeline) {
      return Optional.empty();
    }

    @Override
    public void save(String pipeline, byte[] checkpoint) {}

    @Override
    public void delete(String pipeline) {}

    @Override
    public String toString() {
      return "CheckpointStores.none()";
    }
  };

  private CheckpointStores() {}

  /**
   * Returns a store that keeps nothing: a killed job starts again from the beginning (its upserts
   * still leave the right table at the end). The engines' default.
   *
   * @return the store
   */
  public static CheckpointStore none() {
    return NONE;
  }

  /**
   * Returns a store of one file per pipeline, {@code <directory>/<pipeline>.checkpoint}, written
   * to a temporary file, forced to disk and renamed over the old one, so that a crash leaves the
   * old checkpoint or the new one.
   *
   * @param directory the directory, created if absent
   * @return the store
   * @throws NullPointerException if {@code directory} is null
   */
  public static CheckpointStore directory(Path directory) {
    Objects.requireNonNull(directory, "directory");
    return new CheckpointStore() {
      private Path file(String pipeline) {
        return directory.resolve(pipeline + ".checkpoint");
      }

      @Override
      public Optional<byte[]> load(String pipeline) {
        try {
          return Optional.of(Files.readAllBytes(file(pipeline)));
        } catch (NoSuchFileException e) {
          return Optional.empty();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read checkpoint " + file(pipeline), e);
        }
      }

      @Override
      public void save(String pipeline, byte[] checkpoint) {
        Path target = file(pipeline);
        Path tmp = directory.resolve(pipeline + ".checkpoint.tmp");
        try {
          Files.createDirectories(directory);
          try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
              StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(checkpoint));
            ch.force(true);
          }
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write checkpoint " + target, e);
        }
      }

      @Override
      public void delete(String pipeline) {
        try {
          Files.deleteIfExists(file(pipeline));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot delete checkpoint " + file(pipeline), e);
        }
      }

      @Override
      public String toString() {
        return "CheckpointStores.directory(" + directory + ')';
      }
    };
  }
}
