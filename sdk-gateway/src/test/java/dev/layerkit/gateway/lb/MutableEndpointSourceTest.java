package dev.layerkit.gateway.lb;

import static dev.layerkit.gateway.lb.TestEndpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MutableEndpointSourceTest {

  @Test
  void aSubscriberGetsTheCurrentSetAtOnceThenEveryChangeInOrder() {
    List<Endpoint> all = endpoints(3);
    MutableEndpointSource source = EndpointSource.mutable(all.subList(0, 1));
    List<List<Endpoint>> seen = new ArrayList<>();

    EndpointSource.Subscription subscription = source.subscribe(seen::add);
    source.update(all.subList(0, 2));
    assertThat(source.update(all.subList(0, 2))).isFalse();  // no change, no call
    source.update(all);
    subscription.close();
    source.update(List.of());

    assertThat(seen).containsExactly(all.subList(0, 1), all.subList(0, 2), all);
  }

  @Test
  void aThrowingListenerDoesNotStopOthers() {
    MutableEndpointSource source = EndpointSource.mutable(List.of());
    List<List<Endpoint>> seen = new ArrayList<>();
    source.subscribe(set -> {
      if (!set.isEmpty()) {
        throw new IllegalStateException("boom");
      }
    });
    source.subscribe(seen::add);

    source.update(endpoints(1));

    assertThat(seen).hasSize(2);
  }

  @Test
  void rejectsNullsAndRepeatedIds() {
    MutableEndpointSource source = EndpointSource.mutable(List.of());
    List<Endpoint> withNull = new ArrayList<>(endpoints(1));
    withNull.add(null);

    assertThatThrownBy(() -> source.update(withNull)).isInstanceOf(NullPointerException.class)
        .hasMessage("endpoint at index 1");
    assertThatThrownBy(() -> source.update(List.of(Endpoint.of("h", 1), Endpoint.of("h", 1, 2))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'h:1' is repeated");
  }

  @Test
  void refusesUpdatesAfterClose() {
    MutableEndpointSource source = EndpointSource.mutable(List.of());
    source.close();

    assertThatThrownBy(() -> source.update(endpoints(1))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> source.subscribe(set -> { })).isInstanceOf(IllegalStateException.class);
  }
}
