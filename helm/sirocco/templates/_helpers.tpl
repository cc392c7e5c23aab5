{{/* Names, labels and the small computations the templates share. */}}

{{- define "sirocco.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sirocco.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sirocco.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "sirocco.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "sirocco.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sirocco.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sirocco.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "sirocco.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sirocco.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* A model id as a DNS-1123 label part. */}}
{{- define "sirocco.dnsId" -}}
{{- regexReplaceAll "[^a-z0-9-]" (lower .) "-" | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* The effective settings of one worker: (dict "root" $ "model" $model) → the model entry over the defaults. */}}
{{- define "sirocco.worker.settings" -}}
{{- $m := required "workers.models[].id is required" .model.id -}}
{{- $w := mergeOverwrite (deepCopy .root.Values.workers.defaults) (deepCopy .model) -}}
{{- /* A volume or a budget is one choice: the model's replaces the default's instead of merging into it. */ -}}
{{- range $key := list "volume" "pdb" "resources" -}}
{{- if hasKey $.model $key }}{{ $_ := set $w $key (deepCopy (get $.model $key)) }}{{ end -}}
{{- end -}}
{{- $_ := required (printf "workers.models[%s].file is required" $m) $w.file -}}
{{- $_ := required (printf "workers.models[%s].fileSizeGi is required (the GGUF file size: it sizes the memory request)" $m) $w.fileSizeGi -}}
{{- toYaml $w -}}
{{- end -}}

{{/* Memory request in MiB: the mapped weights + the KV cache + the JVM's overhead. */}}
{{- define "sirocco.worker.memoryMi" -}}
{{- $weightsAndKv := mulf (addf .fileSizeGi .kvCacheGi) 1024 -}}
{{- add (ceil $weightsAndKv | int64) (.overheadMi | int64) -}}
{{- end -}}

{{/* JVM heap for a worker: the KV cache (it may live on the heap) plus 256 MiB for the service itself. */}}
{{- define "sirocco.worker.heapMi" -}}
{{- add (ceil (mulf .kvCacheGi 1024) | int64) 256 -}}
{{- end -}}

{{- define "sirocco.postgresql.secretName" -}}
{{- default (printf "%s-postgresql" (include "sirocco.fullname" .)) .Values.postgresql.existingSecret -}}
{{- end -}}
{{- define "sirocco.keycloak.secretName" -}}
{{- default (printf "%s-keycloak" (include "sirocco.fullname" .)) .Values.keycloak.existingSecret -}}
{{- end -}}
{{- define "sirocco.rabbitmq.secretName" -}}
{{- default (printf "%s-rabbitmq" (include "sirocco.fullname" .)) .Values.rabbitmq.existingSecret -}}
{{- end -}}

{{/* Credentials, always by reference to a Secret: never inlined into a pod spec. */}}
{{- define "sirocco.secretEnv" -}}
- name: SIROCCO_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "sirocco.postgresql.secretName" . }}
      key: {{ .Values.postgresql.passwordKey }}
- name: SIROCCO_OIDC_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "sirocco.keycloak.secretName" . }}
      key: {{ .Values.keycloak.clientSecretKey }}
- name: SIROCCO_SESSION_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "sirocco.keycloak.secretName" . }}
      key: {{ .Values.keycloak.sessionSecretKey }}
- name: SIROCCO_WEBHOOK_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "sirocco.keycloak.secretName" . }}
      key: {{ .Values.keycloak.webhookEncryptionKey }}
      optional: true
- name: SIROCCO_RABBITMQ_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "sirocco.rabbitmq.secretName" . }}
      key: {{ .Values.rabbitmq.passwordKey }}
{{- end -}}

{{/* Env and mounts every Sirocco container shares. */}}
{{- define "sirocco.commonEnv" -}}
{{ include "sirocco.secretEnv" . }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "sirocco.configChecksum" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- end -}}

{{/* preStop: keep serving while endpoints are removed from Services and Ingresses, then SIGTERM drains. */}}
{{- define "sirocco.preStop" -}}
preStop:
  exec:
    command: ["sleep", "{{ . }}"]
{{- end -}}

{{/* Quarkus's graceful-shutdown window: the grace period less the preStop sleep and a 5 s margin. */}}
{{- define "sirocco.shutdownTimeout" -}}
{{- $t := sub (sub (.grace | int64) (.preStop | int64)) 5 -}}
{{- if lt $t 1 }}{{ fail "terminationGracePeriodSeconds must exceed preStopSleepSeconds by more than 5 s" }}{{ end -}}
{{- printf "%ds" $t -}}
{{- end -}}
