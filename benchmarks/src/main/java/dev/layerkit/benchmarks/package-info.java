/**
 * JMH benchmarks of Layerkit's hot paths, each beside the library a user would otherwise pick, and
 * small report programs for properties that are not timings (balance, movement).
 *
 * <p>Build and run: {@code ./mvnw -B -q package -pl benchmarks -am -DskipTests} then
 * {@code java -jar benchmarks/target/benchmarks.jar -prof gc}. Results and the machine they ran
 * on are in {@code benchmarks/README.md}.
 */
package dev.layerkit.benchmarks;
