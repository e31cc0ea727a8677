//go:build !windows && !darwin

package app

func usesXDG() bool { return true }
