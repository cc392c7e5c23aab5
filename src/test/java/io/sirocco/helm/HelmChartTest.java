package io.sirocco.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Helm chart, checked with Helm itself: lint, then the rendered manifests for two sets of values. */
class HelmChartTest {
    private static final Path MULTI_WORKER = Path.of("src/test/resources/helm/multi-worker-values.yaml");

    @Test
    void lintsCleanInStrictMode() {
        LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();
        assertFalse(result.isFailed(), () -> "helm lint --strict: " + result.getMessages());
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class DefaultValues {
        RenderedChart chart;

        @BeforeAll
        void render() {
            chart = RenderedChart.render(null);
        }

        @Test
        void oneGatewayAndOneWorkerDeploymentPerModel() {
            assertEquals(List.of("sirocco-gateway", "sirocco-worker-mistral-tiny", "sirocco-worker-mistral-small"),
                    chart.all(Deployment.class).stream().map(d -> d.getMetadata().getName()).toList());
            Container gateway = container(chart.one(Deployment.class, "sirocco-gateway"));
            assertEquals("gateway", env(gateway, "SIROCCO_ROLE").getValue());
            assertTrue(gateway.getEnv().stream().noneMatch(e -> e.getName().equals("SIROCCO_WORKER_MODELS")));
            Container tiny = container(chart.one(Deployment.class, "sirocco-worker-mistral-tiny"));
            assertEquals("worker", env(tiny, "SIROCCO_ROLE").getValue());
            assertEquals("mistral-tiny", env(tiny, "SIROCCO_WORKER_MODELS").getValue());
            assertEquals(env(tiny, "QUARKUS_SHUTDOWN_TIMEOUT").getValue(), env(tiny, "SIROCCO_WORKER_DRAIN_TIMEOUT").getValue());
            assertEquals("prod,scaleout", chart.one(ConfigMap.class, "sirocco").getData().get("QUARKUS_PROFILE"),
                    "usage events through RabbitMQ");
        }

        @Test
        void everyPodHasLivenessAndReadinessOnQuarkusHealth() {
            for (Deployment d : chart.all(Deployment.class)) {
                Container c = container(d);
                assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath(), d.getMetadata().getName());
                assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath(), d.getMetadata().getName());
                assertEquals("http", c.getReadinessProbe().getHttpGet().getPort().getStrVal());
            }
        }

        @Test
        void podsDrainWithinTheirGracePeriod() {
            for (Deployment d : chart.all(Deployment.class)) {
                PodSpec pod = d.getSpec().getTemplate().getSpec();
                Container c = pod.getContainers().getFirst();
                List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
                assertEquals("sleep", preStop.getFirst());
                long sleep = Long.parseLong(preStop.get(1));
                long drain = Long.parseLong(env(c, "QUARKUS_SHUTDOWN_TIMEOUT").getValue().replace("s", ""));
                long grace = pod.getTerminationGracePeriodSeconds();
                assertTrue(sleep + drain < grace, d.getMetadata().getName() + ": preStop " + sleep + " s + drain "
                        + drain + " s must end before the " + grace + " s grace period");
            }
            assertEquals(330L, pod(chart.one(Deployment.class, "sirocco-gateway")).getTerminationGracePeriodSeconds());
        }

        @Test
        void gatewayScalesOnCpuAndQueueDepth() {
            HorizontalPodAutoscaler hpa = chart.one(HorizontalPodAutoscaler.class, "sirocco-gateway");
            assertEquals("sirocco-gateway", hpa.getSpec().getScaleTargetRef().getName());
            assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
            assertEquals(2, hpa.getSpec().getMinReplicas());
            MetricSpec cpu = metric(hpa, "Resource");
            assertEquals("cpu", cpu.getResource().getName());
            assertEquals(70, cpu.getResource().getTarget().getAverageUtilization());
            MetricSpec queue = metric(hpa, "Pods");
            assertEquals("sirocco:num_requests_waiting", queue.getPods().getMetric().getName());
            assertEquals("AverageValue", queue.getPods().getTarget().getType());
            assertEquals(new Quantity("16"), queue.getPods().getTarget().getAverageValue());
            // The HPA owns the replica count.
            assertNull(chart.one(Deployment.class, "sirocco-gateway").getSpec().getReplicas());
        }

        @Test
        void disruptionBudgetsForGatewayAndEachWorker() {
            PodDisruptionBudget gateway = chart.one(PodDisruptionBudget.class, "sirocco-gateway");
            assertEquals(1, gateway.getSpec().getMinAvailable().getIntVal());
            assertEquals(chart.one(Deployment.class, "sirocco-gateway").getSpec().getSelector(), gateway.getSpec().getSelector());
            for (String model : List.of("mistral-tiny", "mistral-small")) {
                PodDisruptionBudget pdb = chart.one(PodDisruptionBudget.class, "sirocco-worker-" + model);
                assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
                assertEquals(model, pdb.getSpec().getSelector().getMatchLabels().get("sirocco.io/model"));
            }
        }

        @Test
        void workerMemoryRequestIsWeightsPlusKvCachePlusOverhead() {
            // mistral-tiny: ceil((3.83 + 1) GiB × 1024) + 384 MiB; mistral-small: ceil((24.63 + 2) × 1024) + 384.
            assertEquals(new Quantity("5330Mi"), memoryRequest(chart, "sirocco-worker-mistral-tiny"));
            assertEquals(new Quantity("27654Mi"), memoryRequest(chart, "sirocco-worker-mistral-small"));
            Container small = container(chart.one(Deployment.class, "sirocco-worker-mistral-small"));
            assertEquals(new Quantity("16"), small.getResources().getRequests().get("cpu"));
            assertEquals(new Quantity("28166Mi"), small.getResources().getLimits().get("memory"));
        }

        @Test
        void gatewaysKeepTheUsageSpoolOnASharedPersistentVolume() {
            Deployment gateway = chart.one(Deployment.class, "sirocco-gateway");
            assertEquals("sirocco-usage-spool", volume(gateway, "usage-spool").getPersistentVolumeClaim().getClaimName());
            var mount = container(gateway).getVolumeMounts().stream().filter(m -> m.getName().equals("usage-spool"))
                    .findFirst().orElseThrow();
            assertEquals(mount.getMountPath(), env(container(gateway), "SIROCCO_USAGE_SPOOL_DIR").getValue());
            var claim = chart.one(io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class, "sirocco-usage-spool");
            assertEquals(List.of("ReadWriteMany"), claim.getSpec().getAccessModes(), "every gateway replays the spool");
        }

        @Test
        void modelsAreMountedReadOnlyFromTheirVolume() {
            Deployment tiny = chart.one(Deployment.class, "sirocco-worker-mistral-tiny");
            Volume models = volume(tiny, "models");
            assertEquals("sirocco-models", models.getPersistentVolumeClaim().getClaimName());
            var mount = container(tiny).getVolumeMounts().stream().filter(m -> m.getName().equals("models")).findFirst().orElseThrow();
            assertEquals("/models/mistral-tiny", mount.getMountPath());
            assertTrue(mount.getReadOnly());
            String properties = chart.one(ConfigMap.class, "sirocco").getData().get("sirocco.properties");
            assertTrue(properties.contains("sirocco.models.mistral-tiny.path=/models/mistral-tiny/mistral-7b-instruct-v0.2.Q4_0.gguf"), properties);
            assertTrue(properties.contains("sirocco.models.mistral-small.path=/models/mistral-small/mixtral-8x7b-instruct-v0.1.Q4_0.gguf"), properties);
        }

        @Test
        void credentialsComeFromTheOperatorsSecretsByDefault() {
            assertTrue(chart.all(Secret.class).isEmpty(), "no Secret is created when existingSecret names one");
            for (Deployment d : chart.all(Deployment.class)) {
                Container c = container(d);
                assertSecretRef(c, "SIROCCO_DB_PASSWORD", "sirocco-postgresql", "password");
                assertSecretRef(c, "SIROCCO_OIDC_SECRET", "sirocco-keycloak", "client-secret");
                assertSecretRef(c, "SIROCCO_SESSION_SECRET", "sirocco-keycloak", "session-secret");
                assertSecretRef(c, "SIROCCO_WEBHOOK_SECRET_KEY", "sirocco-keycloak", "webhook-secret-key");
                assertTrue(env(c, "SIROCCO_WEBHOOK_SECRET_KEY").getValueFrom().getSecretKeyRef().getOptional(),
                        "an operator's Secret without the webhook key still starts the pods (secrets then in clear)");
                assertSecretRef(c, "SIROCCO_RABBITMQ_PASSWORD", "sirocco-rabbitmq", "password");
                assertEquals("sirocco", c.getEnvFrom().getFirst().getConfigMapRef().getName());
            }
            Map<String, String> config = chart.one(ConfigMap.class, "sirocco").getData();
            assertEquals("jdbc:postgresql://postgresql:5432/sirocco", config.get("SIROCCO_DB_URL"));
            assertEquals("rabbitmq", config.get("SIROCCO_RABBITMQ_HOST"));
            assertEquals("http://keycloak:8080/realms/sirocco", config.get("QUARKUS_OIDC_AUTH_SERVER_URL"));
            assertEquals("false", config.get("QUARKUS_FLYWAY_MIGRATE_AT_START"), "pods never migrate; the hook Job does");
            assertTrue(config.get("sirocco.properties").contains("sirocco.models.write-demo=false"));
        }

        @Test
        void migrationJobIsAPreInstallAndPreUpgradeHook() {
            Job job = chart.one(Job.class, "sirocco-migrate");
            Map<String, String> annotations = job.getMetadata().getAnnotations();
            assertEquals("pre-install,pre-upgrade", annotations.get("helm.sh/hook"));
            assertTrue(annotations.get("helm.sh/hook-delete-policy").contains("before-hook-creation"));
            Container c = job.getSpec().getTemplate().getSpec().getContainers().getFirst();
            assertEquals("true", env(c, "QUARKUS_INIT_AND_EXIT").getValue());
            assertEquals("true", env(c, "QUARKUS_FLYWAY_MIGRATE_AT_START").getValue());
            assertEquals("jdbc:postgresql://postgresql:5432/sirocco", env(c, "SIROCCO_DB_URL").getValue(),
                    "a hook runs before the release's ConfigMap exists, so it carries its settings");
            assertSecretRef(c, "SIROCCO_DB_PASSWORD", "sirocco-postgresql", "password");
            assertEquals("Never", job.getSpec().getTemplate().getSpec().getRestartPolicy());
        }

        @Test
        void serviceButNoIngressOrServiceMonitorUnlessEnabled() {
            Service service = chart.one(Service.class, "sirocco");
            assertEquals("gateway", service.getSpec().getSelector().get("app.kubernetes.io/component"));
            assertTrue(chart.all(Ingress.class).isEmpty());
            assertTrue(chart.ofKind("ServiceMonitor").isEmpty());
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class MultiWorkerValues {
        RenderedChart chart;

        @BeforeAll
        void render() {
            chart = RenderedChart.render(MULTI_WORKER);
        }

        @Test
        void aWorkerDeploymentPerModelWithItsReplicas() {
            Map<String, Integer> expected = Map.of("mistral-tiny", 3, "mistral-small", 2, "mistral-medium", 1, "mistral-embed", 1);
            assertEquals(5, chart.all(Deployment.class).size());
            expected.forEach((model, replicas) -> {
                Deployment d = chart.one(Deployment.class, "sirocco-worker-" + model);
                assertEquals(replicas, d.getSpec().getReplicas(), model);
                assertEquals(model, env(container(d), "SIROCCO_WORKER_MODELS").getValue());
                assertEquals("registry.example/sirocco:1.2.3", container(d).getImage());
                assertEquals("inference", pod(d).getNodeSelector().get("sirocco.io/pool"));
            });
            String properties = chart.one(ConfigMap.class, "sirocco").getData().get("sirocco.properties");
            assertTrue(properties.contains("sirocco.models.mistral-small.max-sequences=16"), properties);
            assertTrue(properties.contains("sirocco.models.mistral-tiny.max-sequences=8"), properties);
        }

        @Test
        void memoryRequestsFollowEachModelsFileSize() {
            // ceil((fileSizeGi + kvCacheGi) × 1024) + 300 MiB overhead
            assertEquals(new Quantity("5246Mi"), memoryRequest(chart, "sirocco-worker-mistral-tiny"));
            assertEquals(new Quantity("29618Mi"), memoryRequest(chart, "sirocco-worker-mistral-small"));
            assertEquals(new Quantity("82732Mi"), memoryRequest(chart, "sirocco-worker-mistral-medium"));
            assertEquals(new Quantity("7980Mi"), memoryRequest(chart, "sirocco-worker-mistral-embed"));
        }

        @Test
        void modelVolumesAreHostPathOrPvcPerModel() {
            assertEquals("/srv/models", volume(chart.one(Deployment.class, "sirocco-worker-mistral-tiny"), "models").getHostPath().getPath());
            Volume small = volume(chart.one(Deployment.class, "sirocco-worker-mistral-small"), "models");
            assertNull(small.getHostPath());
            assertEquals("mixtral-weights", small.getPersistentVolumeClaim().getClaimName());
            String properties = chart.one(ConfigMap.class, "sirocco").getData().get("sirocco.properties");
            assertTrue(properties.contains("sirocco.models.mistral-medium.path=/models/mistral-medium/mixtral-8x22b-instruct.Q4_0.gguf"), properties);
            assertTrue(properties.contains("sirocco.models.mistral-small.kv-cache-tokens=65536"), properties);
            assertTrue(properties.contains("sirocco.gateway.queue.timeout=45s"), properties);
        }

        @Test
        void gatewaysMountEveryModelReadOnlyForItsTokenizer() {
            Deployment gateway = chart.one(Deployment.class, "sirocco-gateway");
            assertEquals("mixtral-weights", volume(gateway, "model-mistral-small").getPersistentVolumeClaim().getClaimName());
            assertEquals("/srv/models", volume(gateway, "model-mistral-embed").getHostPath().getPath());
            for (String model : List.of("mistral-tiny", "mistral-small", "mistral-medium", "mistral-embed")) {
                var mount = container(gateway).getVolumeMounts().stream()
                        .filter(m -> m.getName().equals("model-" + model)).findFirst().orElseThrow();
                assertEquals("/models/" + model, mount.getMountPath());
                assertTrue(mount.getReadOnly(), model);
            }
        }

        @Test
        void secretsAreCreatedOrReferencedButNeverInlinedInPods() {
            Secret pg = chart.one(Secret.class, "sirocco-postgresql");
            assertEquals("pg-password-from-values", decode(pg.getData().get("password")));
            Secret kc = chart.one(Secret.class, "sirocco-keycloak");
            assertEquals("kc-secret-from-values", decode(kc.getData().get("client-secret")));
            assertEquals("session-secret-from-values", decode(kc.getData().get("session-secret")));
            assertEquals("webhook-key-from-values-0123456789abcdef", decode(kc.getData().get("webhook-secret-key")));
            assertTrue(chart.find(Secret.class, "sirocco-rabbitmq").isEmpty(), "rabbitmq uses the operator's Secret");
            for (Deployment d : chart.all(Deployment.class)) {
                Container c = container(d);
                assertSecretRef(c, "SIROCCO_DB_PASSWORD", "sirocco-postgresql", "password");
                assertSecretRef(c, "SIROCCO_OIDC_SECRET", "sirocco-keycloak", "client-secret");
                assertSecretRef(c, "SIROCCO_SESSION_SECRET", "sirocco-keycloak", "session-secret");
                assertSecretRef(c, "SIROCCO_RABBITMQ_PASSWORD", "ops-rabbitmq", "rabbitmq-password");
            }
            // The clear-text values appear nowhere but in the Secrets (base64 there).
            assertFalse(chart.yaml.contains("pg-password-from-values"));
            assertFalse(chart.yaml.contains("session-secret-from-values"));
            assertFalse(chart.yaml.contains("webhook-key-from-values"));
            assertFalse(chart.yaml.contains("kc-secret-from-values"));
            Map<String, String> config = chart.one(ConfigMap.class, "sirocco").getData();
            assertEquals("https://sso.example.com/realms/sirocco", config.get("QUARKUS_OIDC_AUTH_SERVER_URL"));
            assertEquals("sirocco-prod", config.get("QUARKUS_OIDC_CLIENT_ID"));
            assertEquals("sirocco", config.get("SIROCCO_RABBITMQ_VHOST"));
        }

        @Test
        void migrationHookHasItsOwnPasswordSecretCreatedFirst() {
            Secret hookSecret = chart.one(Secret.class, "sirocco-migrate");
            Job job = chart.one(Job.class, "sirocco-migrate");
            assertEquals("pre-install,pre-upgrade", hookSecret.getMetadata().getAnnotations().get("helm.sh/hook"));
            int secretWeight = Integer.parseInt(hookSecret.getMetadata().getAnnotations().get("helm.sh/hook-weight"));
            int jobWeight = Integer.parseInt(job.getMetadata().getAnnotations().get("helm.sh/hook-weight"));
            assertTrue(secretWeight < jobWeight, "the Secret must exist before the Job starts");
            assertSecretRef(job.getSpec().getTemplate().getSpec().getContainers().getFirst(), "SIROCCO_DB_PASSWORD", "sirocco-migrate", "password");
        }

        @Test
        void ingressIsSseFriendly() {
            Ingress ingress = chart.one(Ingress.class, "sirocco");
            Map<String, String> a = ingress.getMetadata().getAnnotations();
            assertEquals("off", a.get("nginx.ingress.kubernetes.io/proxy-buffering"));
            assertTrue(Integer.parseInt(a.get("nginx.ingress.kubernetes.io/proxy-read-timeout")) >= 600);
            assertTrue(Integer.parseInt(a.get("nginx.ingress.kubernetes.io/proxy-send-timeout")) >= 600);
            assertEquals("letsencrypt", a.get("cert-manager.io/cluster-issuer"));
            assertEquals("sirocco-tls", ingress.getSpec().getTls().getFirst().getSecretName());
            var backend = ingress.getSpec().getRules().getFirst().getHttp().getPaths().getFirst().getBackend().getService();
            assertEquals("sirocco", backend.getName());
        }

        @Test
        void serviceMonitorScrapesGatewaysAndWorkers() {
            List<GenericKubernetesResource> monitors = chart.ofKind("ServiceMonitor");
            assertEquals(1, monitors.size());
            GenericKubernetesResource monitor = monitors.getFirst();
            assertEquals("prometheus", monitor.getMetadata().getLabels().get("release"));
            Map<String, Object> endpoint = monitor.<List<Map<String, Object>>>get("spec", "endpoints").getFirst();
            assertEquals("/q/metrics", endpoint.get("path"));
            Map<String, String> selector = monitor.get("spec", "selector", "matchLabels");
            for (String service : List.of("sirocco", "sirocco-workers")) {
                Map<String, String> labels = chart.one(Service.class, service).getMetadata().getLabels();
                assertTrue(labels.entrySet().containsAll(selector.entrySet()), service + " must match " + selector);
            }
        }

        @Test
        void budgetsFollowPerModelSettings() {
            assertEquals(1, chart.one(PodDisruptionBudget.class, "sirocco-worker-mistral-medium").getSpec().getMinAvailable().getIntVal());
            assertNull(chart.one(PodDisruptionBudget.class, "sirocco-worker-mistral-medium").getSpec().getMaxUnavailable());
            assertTrue(chart.find(PodDisruptionBudget.class, "sirocco-worker-mistral-embed").isEmpty());
            assertEquals(900L, pod(chart.one(Deployment.class, "sirocco-worker-mistral-medium")).getTerminationGracePeriodSeconds());
            HorizontalPodAutoscaler hpa = chart.one(HorizontalPodAutoscaler.class, "sirocco-gateway");
            assertEquals(3, hpa.getSpec().getMinReplicas());
            assertEquals(20, hpa.getSpec().getMaxReplicas());
            assertEquals(new Quantity("8"), metric(hpa, "Pods").getPods().getTarget().getAverageValue());
        }
    }

    @Test
    void disablingAutoscalingRestoresAFixedReplicaCount() {
        RenderedChart chart = RenderedChart.render(null, Map.of("gateway.autoscaling.enabled", false, "gateway.replicas", 4));
        assertTrue(chart.all(HorizontalPodAutoscaler.class).isEmpty());
        assertEquals(4, chart.one(Deployment.class, "sirocco-gateway").getSpec().getReplicas());
    }

    @Test
    void gatewaysCanRunWithoutModelVolumes() {
        RenderedChart chart = RenderedChart.render(null, Map.of("gateway.mountModels", false));
        Deployment gateway = chart.one(Deployment.class, "sirocco-gateway");
        assertEquals(List.of("config", "usage-spool"), pod(gateway).getVolumes().stream().map(Volume::getName).toList(),
                "no model volume; the usage spool stays");
    }

    @Test
    void theUsageSpoolCanUseAnExistingClaimOrAnEmptyDir() {
        RenderedChart mine = RenderedChart.render(null, Map.of("gateway.usageSpool.persistence.existingClaim", "my-spool"));
        assertEquals("my-spool", volume(mine.one(Deployment.class, "sirocco-gateway"), "usage-spool")
                .getPersistentVolumeClaim().getClaimName());
        assertTrue(mine.all(io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class).isEmpty(), "no claim of its own");
        RenderedChart off = RenderedChart.render(null, Map.of("gateway.usageSpool.persistence.enabled", false));
        assertNotNull(volume(off.one(Deployment.class, "sirocco-gateway"), "usage-spool").getEmptyDir());
    }

    @Test
    void queueDepthMetricCanBeTurnedOffWhereNoCustomMetricsApiExists() {
        RenderedChart chart = RenderedChart.render(null, Map.of("gateway.autoscaling.queueDepth.enabled", false));
        HorizontalPodAutoscaler hpa = chart.one(HorizontalPodAutoscaler.class, "sirocco-gateway");
        assertEquals(List.of("Resource"), hpa.getSpec().getMetrics().stream().map(MetricSpec::getType).toList());
    }

    @Test
    void refusesAWorkerWithoutFileSize() {
        var e = assertThrows(IllegalStateException.class, () -> RenderedChart.render(null,
                Map.of("workers.models[0].id", "m", "workers.models[0].file", "m.gguf")));
        assertTrue(e.getMessage().contains("fileSizeGi is required"), e.getMessage());
    }

    @Test
    void refusesTwoModelsWithTheSameName() {
        var e = assertThrows(IllegalStateException.class, () -> RenderedChart.render(null,
                Map.of("workers.models[0].id", "mistral-tiny", "workers.models[0].file", "a.gguf", "workers.models[0].fileSizeGi", 1,
                        "workers.models[1].id", "Mistral_Tiny", "workers.models[1].file", "b.gguf", "workers.models[1].fileSizeGi", 1)));
        assertTrue(e.getMessage().contains("two models map to the name \\\"mistral-tiny\\\"")
                || e.getMessage().contains("two models map to the name \"mistral-tiny\""), e.getMessage());
    }

    @Test
    void refusesAChartSecretWithoutItsValue() {
        var e = assertThrows(IllegalStateException.class, () -> RenderedChart.render(null,
                Map.of("rabbitmq.existingSecret", "")));
        assertTrue(e.getMessage().contains("rabbitmq.password is required"), e.getMessage());
    }

    private static Container container(Deployment d) {
        return pod(d).getContainers().getFirst();
    }

    private static PodSpec pod(Deployment d) {
        return d.getSpec().getTemplate().getSpec();
    }

    private static EnvVar env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " has no env " + name));
    }

    private static void assertSecretRef(Container c, String env, String secret, String key) {
        EnvVar var = env(c, env);
        assertNull(var.getValue(), env + " must not be inlined");
        assertNotNull(var.getValueFrom().getSecretKeyRef(), env + " must come from a Secret");
        assertEquals(secret, var.getValueFrom().getSecretKeyRef().getName(), env);
        assertEquals(key, var.getValueFrom().getSecretKeyRef().getKey(), env);
    }

    private static Volume volume(Deployment d, String name) {
        return pod(d).getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }

    private static Quantity memoryRequest(RenderedChart chart, String deployment) {
        return container(chart.one(Deployment.class, deployment)).getResources().getRequests().get("memory");
    }

    private static MetricSpec metric(HorizontalPodAutoscaler hpa, String type) {
        Optional<MetricSpec> m = hpa.getSpec().getMetrics().stream().filter(s -> type.equals(s.getType())).findFirst();
        return m.orElseThrow(() -> new AssertionError("no " + type + " metric in " + hpa.getSpec().getMetrics()));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
