package dev.layerkit.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;

/**
 * The service: run {@code java -jar examples/spring-boot/target/layerkit-spring-example.jar}, then
 * {@code curl localhost:8080/products/p-1}. Its settings are in {@code application.properties};
 * everything Layerkit does here comes from the starter's auto-configuration.
 */
@SpringBootApplication
@EnableCaching
public class ShopApplication {

  /** Created by Spring. */
  public ShopApplication() {}

  /**
   * Starts the service.
   *
   * @param args Spring Boot arguments, for example {@code --server.port=9090} or
   *     {@code --layerkit.redis.url=redis://localhost:6379}
   */
  public static void main(String[] args) {
    SpringApplication.run(ShopApplication.class, args);
  }
}
