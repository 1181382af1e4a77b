//! The simulated driver: a point-mass quasi-steady-state lap model on real circuits, with ground truth.
