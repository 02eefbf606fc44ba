package dev.layerkit.spring.internal;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Explains a start that failed on invalid {@code layerkit.*} settings: every problem with its
 * property, value and reason, and the fix of each as the action. Ordered before Spring Boot's own
 * bind-validation analyzer, which would say only "update your application's configuration";
 * leaves every other failure to it.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class LayerkitPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<BindValidationException> {

  /** Creates the analyzer; Spring Boot does, from {@code META-INF/spring.factories}. */
  public LayerkitPropertiesFailureAnalyzer() {}

  @Override
  protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindValidationException cause) {
    List<FieldError> ours = new ArrayList<>();
    for (ObjectError error : cause.getValidationErrors()) {
      if (error instanceof FieldError field && PropertiesValidation.ERROR_CODE.equals(field.getCode())) {
        ours.add(field);
      }
    }
    if (ours.isEmpty()) {
      return null;
    }
    StringBuilder description = new StringBuilder("Layerkit's settings have ")
        .append(ours.size()).append(ours.size() == 1 ? " problem:\n" : " problems:\n");
    StringBuilder action = new StringBuilder("Fix these properties:\n");
    for (FieldError error : ours) {
      Object[] arguments = error.getArguments();
      String property = arguments != null && arguments.length > 1 ? String.valueOf(arguments[1]) : error.getField();
      String fix = arguments != null && arguments.length > 0 ? String.valueOf(arguments[0]) : "";
      description.append("\n    ").append(property);
      Object value = error.getRejectedValue();
      if (value != null) {
        description.append(" = ").append(value);
      }
      description.append(": ").append(error.getDefaultMessage());
      action.append("\n    ").append(property).append(": ").append(fix);
    }
    return new FailureAnalysis(description.toString(), action.toString(), cause);
  }
}
