package dev.layerkit.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.test.store.RepositoryContract;
import dev.layerkit.test.store.TestOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link InMemoryRepository}: the contract, and that callers cannot mutate stored state. */
class InMemoryRepositoryTest extends RepositoryContract {

  @Override
  protected Repository<String, TestOrder> newRepository(String name, EntityDescriptor<String, TestOrder> descriptor) {
    return InMemoryRepository.create(name, descriptor);
  }

  /** A mutable entity, to show that the repository stores bytes, not the object. */
  public static final class Basket {
    public String id;
    public List<String> items = new ArrayList<>();
    public long version;
  }

  @Test
  void mutatingASavedOrReadEntityDoesNotChangeWhatIsStored() {
    EntityDescriptor<String, Basket> descriptor = EntityDescriptor.builder(Basket.class, (Basket b) -> b.id)
        .version(b -> b.version, (b, v) -> {
          Basket copy = new Basket();
          copy.id = b.id;
          copy.items = new ArrayList<>(b.items);
          copy.version = v;
          return copy;
        })
        .build();
    InMemoryRepository<String, Basket> repo = InMemoryRepository.create("baskets", descriptor);
    Basket basket = new Basket();
    basket.id = "b-1";
    basket.items.add("apple");
    repo.save(basket);
    basket.items.add("smuggled");
    Basket read = repo.findById("b-1").orElseThrow();
    read.items.add("also smuggled");
    assertThat(repo.findById("b-1").orElseThrow().items).containsExactly("apple");
    assertThat(repo.size()).isEqualTo(1);
  }

  @Test
  void badArgumentsNameTheParameter() {
    assertThatThrownBy(() -> InMemoryRepository.create(" ", TestOrder.DESCRIPTOR))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    assertThatThrownBy(() -> InMemoryRepository.create("x", null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("descriptor");
  }
}
