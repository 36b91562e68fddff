package io.tapflow.cli;

import io.tapflow.sensor.publish.PayloadMode;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads a {@code --payload} value ({@code full}, {@code cap:N}, {@code none}) for picocli. */
public final class PayloadModeConverter implements ITypeConverter<PayloadMode> {
  @Override
  public PayloadMode convert(String value) {
    try {
      return PayloadMode.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
