package dev.layerkit.test.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerkit.core.codec.Codec;
import dev.layerkit.core.codec.CodecException;
import dev.layerkit.core.codec.Codecs;
import dev.layerkit.store.EntityDescriptor;
import dev.layerkit.store.Filter;
import dev.layerkit.store.OptimisticLockException;
import dev.layerkit.store.Repository;
import dev.layerkit.test.Concurrently;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Repository} backend must have. A backend's test extends this class
 * and makes empty repositories of {@link TestOrder}; repositories made in one test with different
 * names must not share entities. Third-party backends run the same suite: add {@code
 * dev.layerkit:layerkit-test} (test scope) and extend this class.
 */
public abstract class RepositoryContract {

  /** Writers in {@link #concurrentReadModifyWriteLosesNoUpdate()}. */
  protected static final int WRITERS = 16;

  /** Successful saves each writer makes. */
  protected static final int SAVES_PER_WRITER = 10;

  /**
   * Returns a new, empty repository.
   *
   * @param name a name, unique within the test, made of {@code [a-z_]}
   * @param descriptor the descriptor to use
   * @return the repository
   */
  protected abstract Repository<String, TestOrder> newRepository(String name, EntityDescriptor<String, TestOrder> descriptor);

  private Repository<String, TestOrder> newRepository() {
    return newRepository("orders", TestOrder.DESCRIPTOR);
  }

  @Test
  void findByIdIsEmptyForAnUnknownIdAndReturnsTheSavedEntityAtVersionOne() {
    Repository<String, TestOrder> repo = newRepository();
    assertThat(repo.findById("nope")).isEmpty();
    TestOrder saved = repo.save(TestOrder.of("o-1", "c-1", 1250, "NEW"));
    assertThat(saved.version()).isEqualTo(1);
    assertThat(repo.findById("o-1")).contains(saved);
    assertThat(repo.name()).isNotBlank();
    assertThat(repo.descriptor()).isSameAs(TestOrder.DESCRIPTOR);
  }

  @Test
  void saveAtTheStoredVersionStoresTheNewStateAtTheNextVersion() {
    Repository<String, TestOrder> repo = newRepository();
    TestOrder v1 = repo.save(TestOrder.of("o-1", "c-1", 1250, "NEW"));
    TestOrder v2 = repo.save(v1.withStatus("PAID"));
    assertThat(v2.version()).isEqualTo(2);
    assertThat(repo.findById("o-1")).contains(new TestOrder("o-1", "c-1", 1250, "PAID", 0, 2));
  }

  @Test
  void staleSaveThrowsOptimisticLockExceptionNamingTheIdAndBothVersionsAndWritesNothing() {
    Repository<String, TestOrder> repo = newRepository();
    TestOrder v1 = repo.save(TestOrder.of("o-1", "c-1", 1250, "NEW"));
    TestOrder v2 = repo.save(v1.withStatus("PAID"));
    assertThatThrownBy(() -> repo.save(v1.withStatus("CANCELLED")))
        .isInstanceOfSatisfying(OptimisticLockException.class, e -> {
          assertThat(e.id()).isEqualTo("o-1");
          assertThat(e.expectedVersion()).isEqualTo(1);
          assertThat(e.actualVersion()).isEqualTo(2);
        })
        .hasMessageContaining("o-1").hasMessageContaining("1").hasMessageContaining("2");
    assertThat(repo.findById("o-1")).contains(v2);
  }

  @Test
  void newEntitySavedTwiceAtVersionZeroConflictsOnTheSecondSave() {
    Repository<String, TestOrder> repo = newRepository();
    repo.save(TestOrder.of("o-1", "c-1", 1, "NEW"));
    assertThatThrownBy(() -> repo.save(TestOrder.of("o-1", "c-2", 2, "NEW")))
        .isInstanceOfSatisfying(OptimisticLockException.class, e -> {
          assertThat(e.expectedVersion()).isZero();
          assertThat(e.actualVersion()).isEqualTo(1);
        });
    assertThat(repo.findById("o-1").orElseThrow().customerId()).isEqualTo("c-1");
  }

  @Test
  void savingAVersionOfAnEntityThatIsNotStoredIsAConflict() {
    Repository<String, TestOrder> repo = newRepository();
    assertThatThrownBy(() -> repo.save(TestOrder.of("o-1", "c-1", 1, "NEW").withVersion(3)))
        .isInstanceOfSatisfying(OptimisticLockException.class, e -> {
          assertThat(e.expectedVersion()).isEqualTo(3);
          assertThat(e.actualVersion()).isEqualTo(OptimisticLockException.ABSENT);
        });
    assertThat(repo.findById("o-1")).isEmpty();
  }

  @Test
  void insertIfAbsentKeepsTheGivenVersionAndNeverOverwrites() {
    Repository<String, TestOrder> repo = newRepository();
    TestOrder copy = TestOrder.of("o-1", "c-1", 1, "NEW").withVersion(7);
    assertThat(repo.insertIfAbsent(copy)).isTrue();
    assertThat(repo.insertIfAbsent(copy.withStatus("OTHER"))).isFalse();
    assertThat(repo.findById("o-1")).contains(copy);
    assertThat(repo.save(copy.withStatus("PAID")).version()).isEqualTo(8);
  }

  @Test
  void deleteByIdRemovesTheEntityWhateverItsVersionAndSaysWhetherOneExisted() {
    Repository<String, TestOrder> repo = newRepository();
    repo.save(repo.save(TestOrder.of("o-1", "c-1", 1, "NEW")));
    assertThat(repo.deleteById("o-1")).isTrue();
    assertThat(repo.deleteById("o-1")).isFalse();
    assertThat(repo.findById("o-1")).isEmpty();
    assertThat(repo.save(TestOrder.of("o-1", "c-1", 1, "NEW")).version()).as("a new life").isEqualTo(1);
  }

  private Repository<String, TestOrder> seeded() {
    Repository<String, TestOrder> repo = newRepository();
    repo.save(TestOrder.of("o-1", "c-1", 500, "NEW"));
    repo.save(TestOrder.of("o-2", "c-1", 1500, "PAID"));
    repo.save(TestOrder.of("o-3", "c-2", 2500, "PAID"));
    repo.save(TestOrder.of("o-4", "c-3", 1500, "SHIPPED"));
    repo.save(TestOrder.of("o-5", "c-2", 9000, "NEW"));
    return repo;
  }

  private static Set<String> ids(List<TestOrder> orders) {
    return orders.stream().map(TestOrder::id).collect(Collectors.toSet());
  }

  private static List<String> idList(List<TestOrder> orders) {
    return orders.stream().map(TestOrder::id).collect(Collectors.toList());
  }

  @Test
  void findAllMatchesEqualityInAndNumericRanges() {
    Repository<String, TestOrder> repo = seeded();
    assertThat(ids(repo.findAll(Filter.eq("customerId", "c-1")))).containsExactlyInAnyOrder("o-1", "o-2");
    assertThat(ids(repo.findAll(Filter.in("status", List.of("NEW", "SHIPPED")))))
        .containsExactlyInAnyOrder("o-1", "o-4", "o-5");
    assertThat(ids(repo.findAll(Filter.gt("amountCents", 1500)))).containsExactlyInAnyOrder("o-3", "o-5");
    assertThat(ids(repo.findAll(Filter.gte("amountCents", 1500)))).containsExactlyInAnyOrder("o-2", "o-3", "o-4", "o-5");
    assertThat(ids(repo.findAll(Filter.lt("amountCents", 1500)))).containsExactlyInAnyOrder("o-1");
    assertThat(ids(repo.findAll(Filter.lte("amountCents", 1500)))).containsExactlyInAnyOrder("o-1", "o-2", "o-4");
    assertThat(ids(repo.findAll(Filter.eq("status", "PAID").and(Filter.gte("amountCents", 2000)))))
        .containsExactly("o-3");
    assertThat(ids(repo.findAll(Filter.eq("amountCents", 1500.0)))).as("numbers compare by value")
        .containsExactlyInAnyOrder("o-2", "o-4");
    assertThat(ids(repo.findAll(Filter.eq("id", "o-5")))).containsExactly("o-5");
    assertThat(repo.findAll(Filter.all())).hasSize(5);
    assertThat(repo.findAll(Filter.eq("customerId", "nobody"))).isEmpty();
  }

  @Test
  void conditionsNeverMatchAValueOfAnotherTypeOrAMissingField() {
    Repository<String, TestOrder> repo = seeded();
    assertThat(repo.findAll(Filter.eq("amountCents", "1500"))).isEmpty();
    assertThat(repo.findAll(Filter.gt("status", 0))).isEmpty();
    assertThat(repo.findAll(Filter.eq("noSuchField", "x"))).isEmpty();
    assertThat(repo.findAll(Filter.lt("noSuchField", 100))).isEmpty();
    assertThat(ids(repo.findAll(Filter.gte("status", "PAID").and(Filter.lt("status", "SHIPPED")))))
        .as("string ranges").containsExactlyInAnyOrder("o-2", "o-3");
  }

  @Test
  void sortAndLimitAreHonouredWithTiesBrokenById() {
    Repository<String, TestOrder> repo = seeded();
    assertThat(idList(repo.findAll(Filter.all().sortBy("amountCents"))))
        .containsExactly("o-1", "o-2", "o-4", "o-3", "o-5");
    assertThat(idList(repo.findAll(Filter.all().sortByDescending("amountCents").limit(3))))
        .containsExactly("o-5", "o-3", "o-2");
    assertThat(idList(repo.findAll(Filter.eq("status", "PAID").sortBy("customerId").sortByDescending("amountCents"))))
        .containsExactly("o-2", "o-3");
    assertThat(idList(repo.findAll(Filter.all().sortBy("status").sortBy("amountCents").limit(2))))
        .containsExactly("o-1", "o-5");
    assertThat(repo.findAll(Filter.all().limit(2))).hasSize(2);
  }

  @Test
  void countIgnoresSortAndLimit() {
    Repository<String, TestOrder> repo = seeded();
    assertThat(repo.count(Filter.all())).isEqualTo(5);
    assertThat(repo.count(Filter.eq("status", "PAID").sortBy("id").limit(1))).isEqualTo(2);
    assertThat(repo.count(Filter.eq("status", "GONE"))).isZero();
  }

  @Test
  void scanStreamsEveryEntityOnce() {
    Repository<String, TestOrder> repo = newRepository();
    for (int i = 0; i < 300; i++) {
      repo.insertIfAbsent(TestOrder.of("o-" + i, "c-" + (i % 7), i, "NEW").withVersion(1));
    }
    try (Stream<TestOrder> all = repo.scan()) {
      List<String> seen = all.map(TestOrder::id).collect(Collectors.toList());
      assertThat(seen).hasSize(300).doesNotHaveDuplicates();
    }
  }

  @Test
  void filterValuesAreDataAndMatchOnlyThemselves() {
    Repository<String, TestOrder> repo = seeded();
    repo.save(TestOrder.of("evil-1", "c-9", 1, "{\"$ne\": null}"));
    repo.save(TestOrder.of("evil-2", "c-9", 1, "' OR 1=1 --"));
    repo.save(TestOrder.of("evil-3", "c-9", 1, "x'); DROP TABLE orders; --"));
    for (String attack : List.of("{\"$ne\": null}", "' OR 1=1 --", "x'); DROP TABLE orders; --")) {
      assertThat(repo.findAll(Filter.eq("status", attack))).as(attack).hasSize(1)
          .allSatisfy(order -> assertThat(order.status()).isEqualTo(attack));
      assertThat(repo.count(Filter.in("status", List.of(attack)))).as(attack).isEqualTo(1);
    }
    assertThat(repo.findAll(Filter.eq("status", "{\"$gt\": \"\"}"))).isEmpty();
    assertThat(repo.findAll(Filter.eq("id", "' OR '1'='1"))).isEmpty();
    assertThat(repo.findById("' OR '1'='1")).isEmpty();
    assertThat(repo.findById("{\"$ne\": null}")).isEmpty();
    assertThat(repo.count(Filter.all())).as("nothing was dropped").isEqualTo(8);
  }

  @Test
  void nullsAreRejectedBeforeAnythingIsWritten() {
    Repository<String, TestOrder> repo = newRepository();
    assertThatThrownBy(() -> repo.save(TestOrder.of(null, "c-1", 1, "NEW"))).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("no id");
    assertThatThrownBy(() -> repo.insertIfAbsent(TestOrder.of(null, "c-1", 1, "NEW")))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> repo.findById(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> repo.deleteById(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> repo.save(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> repo.findAll(null)).isInstanceOf(NullPointerException.class);
    assertThat(repo.count(Filter.all())).isZero();
  }

  @Test
  void anEntityTheCodecCannotEncodeIsNotWritten() {
    Codec<TestOrder> json = Codecs.json(TestOrder.class);
    Codec<TestOrder> failing = new Codec<>() {
      @Override
      public byte[] encode(TestOrder value) {
        if (value.status().equals("poison")) {
          throw CodecException.encodeFailed(typeName(), new IllegalArgumentException("poison"));
        }
        return json.encode(value);
      }

      @Override
      public TestOrder decode(byte[] bytes) {
        return json.decode(bytes);
      }

      @Override
      public String typeName() {
        return json.typeName();
      }
    };
    EntityDescriptor<String, TestOrder> descriptor = EntityDescriptor.builder(TestOrder.class, TestOrder::id)
        .version(TestOrder::version, TestOrder::withVersion).codec(failing).build();
    Repository<String, TestOrder> repo = newRepository("poisoned", descriptor);
    TestOrder v1 = repo.save(TestOrder.of("o-1", "c-1", 1, "NEW"));
    assertThatThrownBy(() -> repo.save(v1.withStatus("poison"))).isInstanceOf(CodecException.class);
    assertThatThrownBy(() -> repo.save(TestOrder.of("o-2", "c-1", 1, "poison"))).isInstanceOf(CodecException.class);
    assertThatThrownBy(() -> repo.insertIfAbsent(TestOrder.of("o-3", "c-1", 1, "poison")))
        .isInstanceOf(CodecException.class);
    assertThat(repo.findById("o-1")).contains(v1);
    assertThat(repo.findById("o-2")).isEmpty();
    assertThat(repo.count(Filter.all())).isEqualTo(1);
  }

  @Test
  void concurrentReadModifyWriteLosesNoUpdate() throws Exception {
    Repository<String, TestOrder> repo = newRepository();
    repo.save(TestOrder.of("hot", "c-1", 1, "NEW"));
    AtomicInteger conflicts = new AtomicInteger();
    AtomicInteger total = new AtomicInteger();
    // Sixteen writers racing on one row of a real database: more time than the default.
    Concurrently.run(WRITERS, Duration.ofSeconds(120), () -> {
      int successes = 0;
      while (successes < SAVES_PER_WRITER) {
        TestOrder current = repo.findById("hot").orElseThrow();
        try {
          repo.save(current.incremented());
          successes++;
        } catch (OptimisticLockException e) {
          conflicts.incrementAndGet();
        }
      }
      total.addAndGet(successes);
    });
    Optional<TestOrder> last = repo.findById("hot");
    assertThat(total.get()).isEqualTo(WRITERS * SAVES_PER_WRITER);
    assertThat(last.orElseThrow().counter()).as("every successful save counted; %s conflicts", conflicts.get())
        .isEqualTo(total.get());
    assertThat(last.orElseThrow().version()).isEqualTo(total.get() + 1L);
  }

  @Test
  void batchOperationsFindInsertAndDeleteSeveralEntitiesAtOnce() {
    Repository<String, TestOrder> repo = seeded();
    assertThat(ids(repo.findAllById(List.of("o-1", "o-3", "nope")))).containsExactlyInAnyOrder("o-1", "o-3");
    assertThat(repo.findAllById(List.of())).isEmpty();
    TestOrder existing = TestOrder.of("o-1", "c-x", 1, "OTHER").withVersion(9);
    TestOrder fresh = TestOrder.of("o-9", "c-9", 9, "NEW").withVersion(4);
    assertThat(repo.insertAllIfAbsent(List.of(existing, fresh))).isEqualTo(1);
    assertThat(repo.findById("o-1").orElseThrow().customerId()).as("not overwritten").isEqualTo("c-1");
    assertThat(repo.findById("o-9")).contains(fresh);
    assertThat(repo.insertAllIfAbsent(List.of())).isZero();
    assertThat(repo.deleteAllById(List.of("o-1", "o-9", "nope"))).isEqualTo(2);
    assertThat(repo.count(Filter.all())).isEqualTo(4);
    assertThatThrownBy(() -> repo.insertAllIfAbsent(List.of(TestOrder.of("o-10", "c", 1, "NEW"),
        TestOrder.of(null, "c", 1, "NEW")))).isInstanceOf(NullPointerException.class);
    assertThat(repo.findById("o-10")).as("nothing written when one entity is bad").isEmpty();
  }
}
