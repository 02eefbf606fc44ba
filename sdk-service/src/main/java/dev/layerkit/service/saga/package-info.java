/**
 * Durable sagas: {@link dev.layerkit.service.saga.Saga} runs a sequence of steps, each with a
 * compensation, keeps its state in a {@code dev.layerkit.store.Repository} after every
 * transition, and lets another instance resume a saga whose process died.
 *
 * <p>A saga either completes every step or compensates, in reverse order, the steps it
 * completed. Each step gets a key that is stable across retries and instances ({@link
 * dev.layerkit.service.saga.StepContext#stepKey()}), so a callee that deduplicates on it makes the
 * step's effect happen once per saga. A saga's history is kept with its state.
 */
@NullMarked
package dev.layerkit.service.saga;

import org.jspecify.annotations.NullMarked;
