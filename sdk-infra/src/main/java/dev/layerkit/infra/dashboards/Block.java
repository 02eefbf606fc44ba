package dev.layerkit.infra.dashboards;

/**
 * The blocks a dashboard can show, in the order of the layers; each belongs to the row of its
 * layer.
 */
enum Block {
  GATEWAY(Layer.GATEWAY),
  RATE_LIMITER(Layer.GATEWAY),
  LOAD_BALANCER(Layer.GATEWAY),
  HTTP_SERVER(Layer.APPLICATION),
  SERVICE_CLIENT(Layer.APPLICATION),
  IDEMPOTENCY(Layer.APPLICATION),
  SAGA(Layer.APPLICATION),
  CACHE(Layer.CACHE),
  STORE(Layer.DATABASE),
  EVENTS(Layer.DATA_PROCESSING),
  HEALTH(Layer.INFRASTRUCTURE);

  final Layer layer;

  Block(Layer layer) {
    this.layer = layer;
  }

  /** A row of the dashboard. */
  enum Layer {
    GATEWAY("2. Gateway"),
    APPLICATION("3. Application"),
    CACHE("4. Cache"),
    DATABASE("5. Database"),
    DATA_PROCESSING("6. Data processing"),
    INFRASTRUCTURE("7. Infrastructure");

    final String title;

    Layer(String title) {
      this.title = title;
    }
  }
}
