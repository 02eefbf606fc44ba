package dev.layerkit.core.codec;

/**
 * Thrown when a value cannot be encoded or bytes cannot be decoded. The message names the type
 * and the direction; the cause is the underlying parser or encoder error.
 */
public final class CodecException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String typeName;

  private CodecException(String message, String typeName, Throwable cause) {
    super(message, cause);
    this.typeName = typeName;
  }

  /**
   * Creates the exception for bytes that do not decode to {@code typeName}.
   *
   * @param typeName the type that was expected
   * @param byteCount how many bytes were given
   * @param cause what the decoder reported
   * @return the exception
   */
  public static CodecException decodeFailed(String typeName, int byteCount, Throwable cause) {
    return new CodecException(
        "cannot decode " + byteCount + " bytes as " + typeName + ": " + cause.getMessage(), typeName, cause);
  }

  /**
   * Creates the exception for a value of {@code typeName} that cannot be encoded.
   *
   * @param typeName the value's type
   * @param cause what the encoder reported
   * @return the exception
   */
  public static CodecException encodeFailed(String typeName, Throwable cause) {
    return new CodecException("cannot encode " + typeName + ": " + cause.getMessage(), typeName, cause);
  }

  /**
   * Returns the name of the type being encoded or decoded.
   *
   * @return the type name
   */
  public String typeName() {
    return typeName;
  }
}
