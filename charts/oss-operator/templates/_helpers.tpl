{{/*
Names. Everything derives from the release name and nameOverride / fullnameOverride, so the chart can be
installed several times and used as a dependency of another chart.
*/}}
{{- define "oss-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "oss-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of cluster-scoped objects (ClusterRole, ClusterRoleBinding): the full name qualified by the release
namespace, so that releases of the same name in two namespaces (one per team, with watchNamespaces) do not
collide.
*/}}
{{- define "oss-operator.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "oss-operator.fullname" .) }}
{{- end }}

{{- define "oss-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "oss-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "oss-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- /* The labels of every object: the chart's, then commonLabels (which cannot replace the chart's own,
nor app.kubernetes.io/component, which each object sets). config/default carries the same labels,
with managed-by kustomize. */}}
{{- define "oss-operator.labels" -}}
helm.sh/chart: {{ include "oss-operator.chart" . }}
{{ include "oss-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: oss-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with omit .Values.commonLabels "helm.sh/chart" "app.kubernetes.io/name" "app.kubernetes.io/instance" "app.kubernetes.io/version" "app.kubernetes.io/part-of" "app.kubernetes.io/managed-by" "app.kubernetes.io/component" }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "oss-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "oss-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image. global.imageRegistry, as Bitnami's charts read it, replaces the registry of image.repository,
or prefixes a repository that names none: the first part of a repository is a registry when it holds a
"." or a ":" or is localhost, as for docker and containerd.
*/}}
{{- define "oss-operator.image" -}}
{{- $repository := .Values.image.repository }}
{{- with (.Values.global).imageRegistry }}
{{- $parts := splitList "/" $repository }}
{{- $first := first $parts }}
{{- if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) }}
{{- $repository = rest $parts | join "/" }}
{{- end }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository }}
{{- end }}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" $repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}
{{- end }}

{{/*
Pull secrets: the chart's imagePullSecrets, then global.imagePullSecrets (names or {name: ...}), each name
once.
*/}}
{{- define "oss-operator.imagePullSecrets" -}}
{{- $names := list }}
{{- range concat .Values.imagePullSecrets ((.Values.global).imagePullSecrets | default list) }}
{{- if kindIs "string" . }}
{{- $names = append $names . }}
{{- else }}
{{- $names = append $names .name }}
{{- end }}
{{- end }}
{{- range uniq $names }}
- name: {{ . }}
{{- end }}
{{- end }}

{{/*
RBAC rules, generated from the +kubebuilder:rbac markers into config/rbac/role.yaml and copied into
files/rbac/ by `make manifests`. Rules on cluster-scoped resources (the kube-system namespace read that
derives the default --cluster-id) are split from the rest, which a namespaced install grants per watched
namespace.
*/}}
{{- /* The rules of files/rbac/role.yaml (generated from the code), split by scope. controller-gen
merges resources of one API group with the same verbs into one rule, so a rule is split by resource. */}}
{{- define "oss-operator.namespacedRules" -}}
{{- $rules := list }}
{{- range (.Files.Get "files/rbac/role.yaml" | fromYaml).rules }}
{{- $resources := without .resources "namespaces" }}
{{- if $resources }}
{{- $rules = append $rules (set (deepCopy .) "resources" $resources) }}
{{- end }}
{{- end }}
{{- toYaml $rules }}
{{- end }}

{{- /* Reads of namespaces: their metadata, for AccessKeys granted to other namespaces by label; and,
for the default --cluster-id only, the kube-system namespace. */}}
{{- define "oss-operator.clusterRules" -}}
{{- $rules := list }}
{{- range (.Files.Get "files/rbac/role.yaml" | fromYaml).rules }}
{{- if has "namespaces" .resources }}
{{- if or (not .resourceNames) (not $.Values.operator.clusterId) }}
{{- $rules = append $rules (set (deepCopy .) "resources" (list "namespaces")) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $rules }}
{{- end }}

{{- /* The kubernetes.io/tls Secret whose certificate the secure metrics endpoint serves: metrics.certSecret,
or the one metrics.certManager's Certificate fills (<full name>-metrics-tls unless certSecret names it).
Empty when metrics are off or not secure, or neither is set: the manager then serves a self-signed
certificate. */}}
{{- define "oss-operator.metricsCertSecret" -}}
{{- if and .Values.metrics.enabled .Values.metrics.secure }}
{{- if .Values.metrics.certSecret }}
{{- .Values.metrics.certSecret }}
{{- else if .Values.metrics.certManager.enabled }}
{{- printf "%s-metrics-tls" (include "oss-operator.fullname" .) }}
{{- end }}
{{- end }}
{{- end }}

{{- /* The DNS name of the metrics Service, which a certificate for the metrics endpoint must name and
Prometheus checks (the ServiceMonitor's tlsConfig.serverName). */}}
{{- define "oss-operator.metricsServiceHost" -}}
{{- printf "%s-metrics.%s.svc" (include "oss-operator.fullname" .) .Release.Namespace }}
{{- end }}

{{- define "oss-operator.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount above 1 needs leaderElection.enabled: without it every replica would reconcile" }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) }}
{{- fail "metrics.serviceMonitor.enabled needs metrics.enabled: with metrics off there is no metrics Service to scrape; set metrics.enabled=true or metrics.serviceMonitor.enabled=false" }}
{{- end }}
{{- if and .Values.metrics.prometheusRule.enabled (not .Values.metrics.enabled) }}
{{- fail "metrics.prometheusRule.enabled needs metrics.enabled: with metrics off the operator exports none of the metrics its alerts use; set metrics.enabled=true or metrics.prometheusRule.enabled=false" }}
{{- end }}
{{- if and .Values.metrics.enabled .Values.metrics.secure .Values.metrics.serviceMonitor.enabled (not .Values.metrics.serviceMonitor.authorization.credentials.name) }}
{{- fail "metrics.secure with metrics.serviceMonitor.enabled needs metrics.serviceMonitor.authorization.credentials.name: a Secret, in the ServiceMonitor's namespace, holding the bearer token Prometheus scrapes with (of a service account bound to the metrics-reader ClusterRole)" }}
{{- end }}
{{- with .Values.metrics }}
{{- if and .certSecret (not .secure) }}
{{- fail "metrics.certSecret needs metrics.secure: the certificate is served over HTTPS only, and plain HTTP metrics serve none; set metrics.secure=true or unset metrics.certSecret" }}
{{- end }}
{{- if and .certManager.enabled (not .secure) }}
{{- fail "metrics.certManager.enabled needs metrics.secure: the certificate is served over HTTPS only, and plain HTTP metrics serve none; set metrics.secure=true or metrics.certManager.enabled=false" }}
{{- end }}
{{- if and .certManager.enabled (not .certManager.issuerRef.name) }}
{{- fail "metrics.certManager.enabled needs metrics.certManager.issuerRef.name: the cert-manager Issuer (or ClusterIssuer, with issuerRef.kind) that signs the metrics certificate" }}
{{- end }}
{{- if and .enabled .secure (or .certSecret .certManager.enabled) .serviceMonitor.enabled (ne (.serviceMonitor.namespace | default $.Release.Namespace) $.Release.Namespace) (not .serviceMonitor.caSecret.name) }}
{{- fail (printf "metrics.serviceMonitor.namespace %s with a metrics certificate needs metrics.serviceMonitor.caSecret.name: Prometheus reads the CA that checks the certificate from a Secret in the ServiceMonitor's namespace, and the certificate's Secret is in %s" .serviceMonitor.namespace $.Release.Namespace) }}
{{- end }}
{{- end }}
{{- with .Values.podDisruptionBudget }}
{{- if .enabled }}
{{- if and (not (kindIs "invalid" .minAvailable)) (not (kindIs "invalid" .maxUnavailable)) }}
{{- fail "podDisruptionBudget: set minAvailable or maxUnavailable, not both" }}
{{- end }}
{{- if and (not (kindIs "invalid" .minAvailable)) (not (kindIs "string" .minAvailable)) (ge (int .minAvailable) (int $.Values.replicaCount)) }}
{{- fail (printf "podDisruptionBudget.minAvailable %d with replicaCount %d would block every eviction (node drains never finish): lower it, or use maxUnavailable" (int .minAvailable) (int $.Values.replicaCount)) }}
{{- end }}
{{- end }}
{{- end }}
{{- $_ := include "oss-operator.installCRDs" . }}
{{- end }}

{{- /* Whether the chart installs the CRDs: crds.install, or crds.enabled (cert-manager's name for it).
Either one set decides; neither set installs them; both set must agree. Prints "true" or "". */}}
{{- define "oss-operator.installCRDs" -}}
{{- $install := .Values.crds.install }}
{{- $enabled := .Values.crds.enabled }}
{{- if and (kindIs "bool" $install) (kindIs "bool" $enabled) (ne $install $enabled) }}
{{- fail (printf "crds.install=%t and crds.enabled=%t contradict each other: they are two names of one switch; set one of them" $install $enabled) }}
{{- end }}
{{- if kindIs "bool" $install }}
{{- if $install }}true{{ end }}
{{- else if kindIs "bool" $enabled }}
{{- if $enabled }}true{{ end }}
{{- else -}}
true
{{- end }}
{{- end }}
