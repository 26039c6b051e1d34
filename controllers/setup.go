package controllers

import (
	"errors"
	"time"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/ram"
	"github.com/ossoperator/oss-operator/ossapi/sts"
)

// Options configures both controllers.
type Options struct {
	ClusterID               string
	ResyncPeriod            time.Duration
	MaxConcurrentReconciles int
	AllowedEndpoints        EndpointPolicy
	// ClaimsNamespace holds the Leases that make a claim on a bucket name exclusive: the operator's own
	// namespace.
	ClaimsNamespace        string
	AllowInsecureEndpoints bool
	Metrics                *ossapi.Metrics
	// ResourceMetrics show every resource's conditions; nil records nothing.
	ResourceMetrics *ResourceMetrics
	// ConfigureOSS, if set, adjusts every OSS client's configuration (tests shorten retries).
	ConfigureOSS func(*ossapi.Config)
	// RAMEndpoint is where issued AccessKeys call RAM; default https://ram.aliyuncs.com. An http://
	// endpoint (the emulator) needs AllowInsecureEndpoints.
	RAMEndpoint string
	// ConfigureRAM, if set, adjusts every RAM client's configuration (tests shorten retries).
	ConfigureRAM func(*ram.Config)
	// STSEndpoint is where oidc and assumeRole AccessKeys call STS; default https://sts.aliyuncs.com.
	STSEndpoint string
	// ConfigureSTS, if set, adjusts every STS client's configuration (tests shorten retries).
	ConfigureSTS func(*sts.Config)
	// PodIdentity is the operator's own RRSA identity (PodIdentityFromEnv), usable by the AccessKeys of
	// ClaimsNamespace, the operator's namespace; nil for none.
	PodIdentity *PodIdentity
	// Now is the clock of key rotations and sessions; default time.Now.
	Now func() time.Time
	// PurgeBudget and PurgeWorkers pace purges (BucketReconciler); zero for the defaults.
	PurgeBudget  time.Duration
	PurgeWorkers int
	// AccountQPS bounds each Alibaba Cloud account's OSS calls per second (all its AccessKeys
	// together), adapting to throttled answers; AccountBurst is how many may go at once. 0: no bound.
	AccountQPS   float64
	AccountBurst int
	// DisablePriorities queues everything first in, first out, and reconciles every Bucket at a start:
	// the behaviour before priorities (priority.go), for comparison.
	DisablePriorities bool
}

// Setup registers the AccessKey and Bucket controllers with the manager.
func Setup(mgr manager.Manager, o Options) error {
	if o.ClaimsNamespace == "" {
		return errors.New("controllers: Options.ClaimsNamespace is required (the operator's namespace, for the claims on bucket names)")
	}
	clients := &OSSClients{
		Reader:                 mgr.GetAPIReader(),
		Metadata:               mgr.GetCache(),
		AllowedEndpoints:       o.AllowedEndpoints,
		AllowInsecureEndpoints: o.AllowInsecureEndpoints,
		Metrics:                o.Metrics,
		Configure:              o.ConfigureOSS,
		RAMEndpoint:            o.RAMEndpoint,
		ConfigureRAM:           o.ConfigureRAM,
		STSEndpoint:            o.STSEndpoint,
		ConfigureSTS:           o.ConfigureSTS,
		Now:                    o.Now,
		AccountQPS:             o.AccountQPS,
		AccountBurst:           o.AccountBurst,
		Gates:                  newAccessKeyGates(max(1, o.MaxConcurrentReconciles)),
	}
	copts := controller.Options{MaxConcurrentReconciles: o.MaxConcurrentReconciles, UsePriorityQueue: ptr.To(!o.DisablePriorities)}
	if err := (&AccessKeyReconciler{
		Client: mgr.GetClient(), Clients: clients, Recorder: mgr.GetEventRecorder("oss-operator"), ResyncPeriod: o.ResyncPeriod,
		ClusterID: o.ClusterID, Now: o.Now, OperatorNamespace: o.ClaimsNamespace, PodIdentity: o.PodIdentity,
		Metrics: o.ResourceMetrics,
	}).SetupWithManager(mgr, copts); err != nil {
		return err
	}
	return (&BucketReconciler{
		Client: mgr.GetClient(), Clients: clients, Recorder: mgr.GetEventRecorder("oss-operator"),
		ClusterID: o.ClusterID, ResyncPeriod: o.ResyncPeriod,
		Claims:  &BucketClaims{Client: mgr.GetClient(), Leases: mgr.GetAPIReader(), Namespace: o.ClaimsNamespace},
		Metrics: o.ResourceMetrics, PurgeBudget: o.PurgeBudget, PurgeWorkers: o.PurgeWorkers,
		Gates: clients.Gates,
	}).SetupWithManager(mgr, copts)
}
