/**
 * Service clients from {@code layerkit.services.<name>}: a
 * {@link dev.layerkit.service.ServiceClient} per named service (static endpoints or DNS), each a
 * bean named {@code <name>ServiceClient}, in {@link dev.layerkit.spring.service.ServiceClients}.
 */
@NullMarked
package dev.layerkit.spring.service;

import org.jspecify.annotations.NullMarked;
