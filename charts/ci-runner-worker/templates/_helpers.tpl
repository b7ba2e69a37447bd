{{/*
Chart name, used for the ConfigMap, Secret, main Service, runner container
and the app labels.
*/}}
{{- define "ci-runner-worker.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Release-scoped name of the Deployment, metrics Service and ServiceMonitor:
<release>-<chart>, or the release name alone when it already contains the
chart name.
*/}}
{{- define "ci-runner-worker.fullname" -}}
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
Value of the helm.sh/chart label.
*/}}
{{- define "ci-runner-worker.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels that select the runner pods.
*/}}
{{- define "ci-runner-worker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ci-runner-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app: {{ include "ci-runner-worker.name" . }}
{{- end }}

{{/*
Labels on every rendered resource: the selector labels plus chart, manager and
the extra labels from .Values.labels.
*/}}
{{- define "ci-runner-worker.labels" -}}
helm.sh/chart: {{ include "ci-runner-worker.chart" . }}
{{ include "ci-runner-worker.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Name of the ServiceAccount that the pods run as. The chart uses it whether or
not it creates the ServiceAccount itself.
*/}}
{{- define "ci-runner-worker.serviceAccountName" -}}
{{- default (include "ci-runner-worker.fullname" .) .Values.serviceAccount.name }}
{{- end }}
