// Package appeal runs the flows through which a penalised user recovers
// lawful funds and contests a decision. It is specified in the project's
// due-process issue and holds no code yet.
package appeal
