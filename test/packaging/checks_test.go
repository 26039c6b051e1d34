package packaging

import (
	"fmt"
	"net"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// The checks both installs share: the hardening of the manager Deployment and least-privilege RBAC.

// checkManager asserts what the issue asks of the manager Deployment and returns it.
func checkManager(t *testing.T, objs []*unstructured.Unstructured, wantImage string) *appsv1.Deployment {
	t.Helper()
	dep := &appsv1.Deployment{}
	into(t, one(t, objs, "Deployment"), dep)
	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 || pod.Containers[0].Name != "manager" {
		t.Fatalf("want one container named manager, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]

	if wantImage != "" && c.Image != wantImage {
		t.Errorf("image %q, want %q", c.Image, wantImage)
	}
	if len(c.Command) > 0 {
		t.Errorf("command %q overrides the image's entrypoint (/manager)", c.Command)
	}
	if psc := pod.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("pod securityContext.runAsNonRoot is not true")
	}
	if psc := pod.SecurityContext; psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("pod securityContext.seccompProfile is not RuntimeDefault")
	}
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Error("the manager container has no securityContext")
	default:
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Error("readOnlyRootFilesystem is not true")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Error("allowPrivilegeEscalation is not false")
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Error("the container is privileged")
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			t.Errorf("capabilities %+v, want drop [ALL] and nothing added", sc.Capabilities)
		}
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[r]; !ok {
			t.Errorf("no %s request", r)
		}
		if _, ok := c.Resources.Limits[r]; !ok {
			t.Errorf("no %s limit", r)
		}
	}

	args := flags(c.Args)
	if v, ok := args["leader-elect"]; !ok || (v != "" && v != "true") {
		t.Errorf("leader election is not on: args %q", c.Args)
	}
	healthPort := portOf(t, args["health-probe-bind-address"])
	for name, p := range map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != name {
			t.Errorf("no HTTP probe on %s", name)
			continue
		}
		if got := containerPort(t, c, p.HTTPGet.Port); got != healthPort {
			t.Errorf("probe %s on port %d, but --health-probe-bind-address is port %d", name, got, healthPort)
		}
	}
	if pod.ServiceAccountName == "" {
		t.Error("no serviceAccountName")
	}
	if pod.AutomountServiceAccountToken != nil && !*pod.AutomountServiceAccountToken {
		t.Error("the service account token is not mounted: the manager cannot reach the API server")
	}
	for k, v := range dep.Spec.Selector.MatchLabels {
		if dep.Spec.Template.Labels[k] != v {
			t.Errorf("selector label %s=%s is not on the pod template", k, v)
		}
	}
	return dep
}

// checkMetricsService asserts that the metrics Service selects the manager pods on the port it serves.
func checkMetricsService(t *testing.T, objs []*unstructured.Unstructured, dep *appsv1.Deployment) *corev1.Service {
	t.Helper()
	svc := &corev1.Service{}
	into(t, one(t, objs, "Service"), svc)
	for k, v := range svc.Spec.Selector {
		if dep.Spec.Template.Labels[k] != v {
			t.Errorf("the metrics Service selects %s=%s, which the manager pods do not carry", k, v)
		}
	}
	c := dep.Spec.Template.Spec.Containers[0]
	want := portOf(t, flags(c.Args)["metrics-bind-address"])
	if len(svc.Spec.Ports) != 1 || containerPort(t, c, svc.Spec.Ports[0].TargetPort) != want {
		t.Errorf("the metrics Service's ports %+v do not reach --metrics-bind-address (port %d)", svc.Spec.Ports, want)
	}
	return svc
}

// flags parses "--name=value" and "--name" arguments.
func flags(args []string) map[string]string {
	m := map[string]string{}
	for _, a := range args {
		k, v, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		m[k] = v
	}
	return m
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	var n int
	if _, err := fmt.Sscan(p, &n); err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return n
}

func containerPort(t *testing.T, c corev1.Container, p intstr.IntOrString) int {
	t.Helper()
	if p.Type == intstr.Int {
		return p.IntValue()
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort)
		}
	}
	t.Fatalf("no container port named %q", p.StrVal)
	return 0
}

// grants are the permissions bound to one service account: "cluster" for ClusterRoleBindings, a
// namespace for RoleBindings; each as a set of "group/resource/verb[/resourceName]" tuples.
type grants map[string][]string

// grantsOf collects what the rendered RBAC grants the service account, failing on wildcards, on roles
// nobody uses and on bindings to anyone else. The metrics-reader ClusterRole of secure metrics is for
// the user to bind to Prometheus: it must grant the read of /metrics and nothing else.
func grantsOf(t *testing.T, objs []*unstructured.Unstructured, saNamespace, saName string) grants {
	t.Helper()
	rules := map[string][]rbacv1.PolicyRule{} // "ClusterRole/name" or "Role/ns/name"
	for _, u := range append(find(objs, "ClusterRole"), find(objs, "Role")...) {
		var r rbacv1.ClusterRole
		into(t, u, &r)
		if u.GetKind() == "ClusterRole" && strings.HasSuffix(u.GetName(), "-metrics-reader") {
			want := []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}
			if !reflect.DeepEqual(r.Rules, want) {
				t.Errorf("%s grants %+v, want only get on /metrics", u.GetName(), r.Rules)
			}
			continue
		}
		rules[roleKey(u.GetKind(), u.GetNamespace(), u.GetName())] = r.Rules
	}
	bound := map[string]bool{}
	sets := map[string]map[string]bool{}
	bind := func(where string, subjects []rbacv1.Subject, ref rbacv1.RoleRef, bindingNS, bindingName string) {
		for _, s := range subjects {
			if s.Kind != "ServiceAccount" || s.Name != saName || s.Namespace != saNamespace {
				t.Errorf("binding %s/%s grants %s %s/%s, not the manager's service account %s/%s", bindingNS, bindingName, s.Kind, s.Namespace, s.Name, saNamespace, saName)
			}
		}
		key := roleKey(ref.Kind, bindingNS, ref.Name)
		rs, ok := rules[key]
		if !ok {
			t.Errorf("binding %s/%s refers to %s, which is not rendered", bindingNS, bindingName, key)
		}
		bound[key] = true
		if sets[where] == nil {
			sets[where] = map[string]bool{}
		}
		for _, tuple := range tuples(t, rs) {
			sets[where][tuple] = true
		}
	}
	for _, u := range find(objs, "ClusterRoleBinding") {
		var b rbacv1.ClusterRoleBinding
		into(t, u, &b)
		bind("cluster", b.Subjects, b.RoleRef, "", b.Name)
	}
	for _, u := range find(objs, "RoleBinding") {
		var b rbacv1.RoleBinding
		into(t, u, &b)
		bind(b.Namespace, b.Subjects, b.RoleRef, b.Namespace, b.Name)
	}
	for key := range rules {
		if !bound[key] {
			t.Errorf("%s is bound to nobody", key)
		}
	}
	g := grants{}
	for where, set := range sets {
		for tuple := range set {
			g[where] = append(g[where], tuple)
		}
		sort.Strings(g[where])
	}
	return g
}

func roleKey(kind, ns, name string) string {
	if kind == "ClusterRole" {
		return kind + "/" + name
	}
	return kind + "/" + ns + "/" + name
}

// tuples expands rules into "group/resource/verb[/resourceName]" strings, failing on wildcards.
func tuples(t *testing.T, rules []rbacv1.PolicyRule) []string {
	t.Helper()
	var out []string
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 {
			t.Errorf("rule %+v grants non-resource URLs", r)
		}
		for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs, r.ResourceNames} {
			if slices.Contains(list, "*") {
				t.Errorf("rule %+v has a wildcard", r)
			}
		}
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					for _, n := range names {
						s := g + "/" + res + "/" + v
						if n != "" {
							s += "/" + n
						}
						out = append(out, s)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// rulesFile reads the rules of a Role or ClusterRole manifest in the repository.
func rulesFile(t *testing.T, rel string) []string {
	t.Helper()
	var r rbacv1.ClusterRole
	if err := yaml.Unmarshal(readFile(t, rel), &r); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return tuples(t, r.Rules)
}

// splitClusterScoped separates the tuples on cluster-scoped resources (namespaces) from the others.
func splitClusterScoped(all []string) (namespaced, clusterScoped []string) {
	for _, s := range all {
		if strings.HasPrefix(s, "/namespaces/") {
			clusterScoped = append(clusterScoped, s)
		} else {
			namespaced = append(namespaced, s)
		}
	}
	return namespaced, clusterScoped
}

func checkGrants(t *testing.T, got, want grants) {
	t.Helper()
	for where, w := range want {
		if !slices.Equal(got[where], w) {
			t.Errorf("permissions in %q:\n got %q\nwant %q", where, got[where], w)
		}
	}
	for where := range got {
		if _, ok := want[where]; !ok {
			t.Errorf("unexpected permissions in %q: %q", where, got[where])
		}
	}
}

// TestGeneratedRBAC states the least-privilege rules for what the markers generate
// (config/rbac/role.yaml) and for the leader election Role.
func TestGeneratedRBAC(t *testing.T) {
	manager := rulesFile(t, "config/rbac/role.yaml")
	leader := rulesFile(t, "config/rbac/leader_election_role.yaml")
	for _, s := range manager {
		parts := strings.Split(s, "/")
		group, resource, verb := parts[0], parts[1], parts[2]
		switch {
		case group == "" && resource == "secrets" && !slices.Contains([]string{"create", "get", "list", "update", "watch"}, verb):
			// Reading the credentials AccessKeys name; creating and updating the Secrets of issued
			// AccessKeys, which the controller writes only when it owns them (owner reference and label,
			// checked before every write). Never delete or patch: an issued Secret goes with its
			// AccessKey through garbage collection.
			t.Errorf("Secrets: %s; only get, list, watch, create and update are allowed", verb)
		case resource == "events" && !slices.Contains([]string{"create", "patch"}, verb):
			t.Errorf("Events: %s; only create and patch are allowed", verb)
		case resource == "leases":
			t.Errorf("the ClusterRole grants Leases (%s): leader election belongs in the namespaced Role", s)
		case resource == "namespaces" && !slices.Contains([]string{"/namespaces/get/kube-system", "/namespaces/get", "/namespaces/list", "/namespaces/watch"}, s):
			t.Errorf("the ClusterRole grants %s: only reads of namespaces (their labels, for AccessKeys granted to other namespaces; kube-system's UID for the default --cluster-id) are needed", s)
		case group == "rbac.authorization.k8s.io" || verb == "impersonate" || verb == "escalate" || verb == "bind":
			t.Errorf("the ClusterRole grants %s", s)
		case strings.HasPrefix(s, "/serviceaccounts/") && s != "/serviceaccounts/token/create":
			// An oidc AccessKey's token is requested (TokenRequest) without reading the ServiceAccount.
			t.Errorf("the ClusterRole grants %s: only creating service-account tokens is needed", s)
		case verb == "delete" || verb == "deletecollection" || (verb == "create" && resource != "events" && resource != "secrets"):
			t.Errorf("the ClusterRole grants %s: the operator deletes nothing in the cluster, and creates only Events, the Secrets of issued AccessKeys and service-account tokens", s)
		}
	}
	for _, want := range []string{"/secrets/create", "/secrets/get", "/secrets/list", "/secrets/update", "/secrets/watch", "/serviceaccounts/token/create", "events.k8s.io/events/create", "events.k8s.io/events/patch"} {
		if !slices.Contains(manager, want) {
			t.Errorf("the ClusterRole lacks %s", want)
		}
	}
	wantLeader := []string{
		"/events/create", "/events/patch",
		"coordination.k8s.io/leases/create", "coordination.k8s.io/leases/delete", "coordination.k8s.io/leases/get",
		"coordination.k8s.io/leases/list", "coordination.k8s.io/leases/patch", "coordination.k8s.io/leases/update",
		"coordination.k8s.io/leases/watch",
	}
	if !slices.Equal(leader, wantLeader) {
		t.Errorf("leader election Role:\n got %q\nwant %q", leader, wantLeader)
	}
}

// sorted is the tuples sorted and without duplicates, as grantsOf returns them.
func sorted(tuples []string) []string {
	out := slices.Clone(tuples)
	sort.Strings(out)
	return slices.Compact(out)
}
