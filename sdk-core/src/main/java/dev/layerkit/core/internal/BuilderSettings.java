package dev.layerkit.core.internal;

import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The one rule every Layerkit builder follows for a setting given twice: like Caffeine, it throws
 * {@link IllegalStateException}, so a typo that sets {@code timeout} twice fails at the second
 * call instead of silently keeping one of the two values.
 *
 * <p>A builder holds one instance and calls {@link #requireUnset} at the top of each setter.
 * Values a builder inherits through {@code toBuilder()} are not recorded, so each of them may be
 * set once more.
 *
 * <p>Not thread-safe, as the builders that hold it are not.
 */
public final class BuilderSettings {

  private final Set<String> given = new HashSet<>();

  /**
   * Records that a setting is being given and throws if it was given before on this builder.
   *
   * @param setting the setting's name, as the setter is named
   * @param current the value it holds now, for the message
   * @throws IllegalStateException {@code "<setting> was already set to <current>"} if it was
   */
  public void requireUnset(String setting, @Nullable Object current) {
    if (!given.add(setting)) {
      throw new IllegalStateException(setting + " was already set to " + current);
    }
  }

  /**
   * Whether a setting was given on this builder.
   *
   * @param setting the setting's name
   * @return whether {@link #requireUnset} was called for it
   */
  public boolean isSet(String setting) {
    return given.contains(setting);
  }
}
