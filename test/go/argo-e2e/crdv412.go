package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The controller runs Argo v4.0.5 (the Go proxy here refuses v4.1.2), so its CRDs are v4.0.5's. This check
// installs the v4.1.2 full CRDs that the shared test material carries under a separate API group (same
// OpenAPI schema and CEL rules, no clash with the served argoproj.io ones) and has the API server validate the
// committed workflows/ against them.
const v412Group = "v412.argo-e2e.test"

func sharedDir(root string) string {
	if dir := os.Getenv("OPENFOLD_ARGO_SHARED"); dir != "" {
		return dir
	}
	return filepath.Join(root, "..", "shared")
}

func checkCRDsV412(ctx context.Context, c *Cluster) (string, error) {
	dir := filepath.Join(sharedDir(c.Root), "argo", "crds-v4.1.2")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			return "", fmt.Errorf("v4.1.2 CRDs not found in %s (CI=true)", dir)
		}
		return "skipped: no shared/argo/crds-v4.1.2 on this machine", nil
	}
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	plurals := map[string]string{}
	for _, file := range []string{"argoproj.io_workflowtemplates.yaml", "argoproj.io_cronworkflows.yaml"} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return "", err
		}
		docs, err := DecodeYAML(data)
		if err != nil || len(docs) != 1 {
			return "", fmt.Errorf("%s: %d documents, %v", file, len(docs), err)
		}
		crd := docs[0]
		plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
		kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
		plurals[kind] = plural
		_ = unstructured.SetNestedField(crd.Object, v412Group, "spec", "group")
		crd.SetName(plural + "." + v412Group)
		if _, err := c.Dynamic.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
			return "", fmt.Errorf("create v4.1.2 CRD %s: %w", crd.GetName(), err)
		}
	}
	const ns = "crd-v412"
	if err := c.ensureNamespace(ctx, ns); err != nil {
		return "", err
	}
	files, err := filepath.Glob(filepath.Join(c.Root, "workflows", "*.yaml"))
	if err != nil {
		return "", err
	}
	accepted := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		docs, err := DecodeYAML(data)
		if err != nil {
			return "", err
		}
		for _, doc := range docs {
			plural, ours := plurals[doc.GetKind()]
			if !ours {
				continue
			}
			doc.SetAPIVersion(v412Group + "/v1alpha1")
			doc.SetNamespace(ns)
			gvr := schema.GroupVersionResource{Group: v412Group, Version: "v1alpha1", Resource: plural}
			if err := retryUntilServed(ctx, func() error {
				_, err := c.Dynamic.Resource(gvr).Namespace(ns).Create(ctx, doc, metav1.CreateOptions{})
				return err
			}); err != nil {
				return "", fmt.Errorf("%s: %s %s refused by the v4.1.2 CRD: %w", filepath.Base(file), doc.GetKind(), doc.GetName(), err)
			}
			accepted++
		}
	}
	if accepted != 6 {
		return "", fmt.Errorf("%d documents accepted, want 6 (4 WorkflowTemplates, 2 CronWorkflows)", accepted)
	}
	// The same CRDs refuse what Argo's CEL rules forbid: a DAG task with both depends and dependencies.
	bad := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": v412Group + "/v1alpha1", "kind": "WorkflowTemplate",
		"metadata": map[string]interface{}{"name": "bad", "namespace": ns},
		"spec": map[string]interface{}{"templates": []interface{}{map[string]interface{}{
			"name": "main", "dag": map[string]interface{}{"tasks": []interface{}{
				map[string]interface{}{"name": "a", "template": "t"},
				map[string]interface{}{"name": "b", "template": "t", "depends": "a", "dependencies": []interface{}{"a"}},
			}},
		}}},
	}}
	_, err = c.Dynamic.Resource(schema.GroupVersionResource{Group: v412Group, Version: "v1alpha1", Resource: plurals["WorkflowTemplate"]}).
		Namespace(ns).Create(ctx, bad, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "depends") {
		return "", fmt.Errorf("a task with both depends and dependencies was not refused by the v4.1.2 CEL rules: %v", err)
	}
	return fmt.Sprintf("%d committed documents accepted by the v4.1.2 full CRDs; CEL refusal: %q", accepted, firstLine(err.Error())), nil
}

// retryUntilServed retries while a just-created CRD is not yet served (404 / no matches for kind).
func retryUntilServed(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) || !(strings.Contains(err.Error(), "the server could not find the requested resource") || strings.Contains(err.Error(), "no matches for kind")) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func firstLine(s string) string {
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return strings.SplitN(s, "\n", 2)[0]
}
