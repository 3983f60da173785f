package vocab

// Guard names one of the promises that rules cannot break. The zero Guard is not valid.
type Guard uint8

// Intervention is what a guard did. The zero Intervention is not valid.
type Intervention uint8
